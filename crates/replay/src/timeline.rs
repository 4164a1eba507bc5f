//! The common timeline: frames at a fixed rate over the part of the session worth replaying.

use timing::Session;

/// Frame times: frame `k` is at `start_ms + k * 1000 / fps` (rounded to the ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    /// Session time of frame 0, ms.
    pub start_ms: i64,
    /// Frames per second.
    pub fps: u32,
    /// Number of frames.
    pub frames: u32,
    /// `1000 / fps` when that is exact (rates that divide a second), else 0: frame times are
    /// then a multiply, not a 64-bit division, in the loops that ask for every frame's time.
    step_ms: i64,
}

impl Timeline {
    /// A timeline of `frames` frames at `fps` from session time `start_ms`.
    pub fn new(start_ms: i64, fps: u32, frames: u32) -> Timeline {
        let fps = fps.max(1);
        let step_ms = if 1000 % fps == 0 { i64::from(1000 / fps) } else { 0 };
        Timeline { start_ms, fps, frames, step_ms }
    }

    /// Session time of frame `k`, ms.
    #[inline(always)]
    pub fn t_ms(&self, k: u32) -> i64 {
        if self.step_ms != 0 {
            self.start_ms + i64::from(k) * self.step_ms
        } else {
            self.start_ms + i64::from(k) * 1000 / i64::from(self.fps)
        }
    }

    /// The frame at or just before session time `t_ms` (clamped to the timeline).
    pub fn frame_at(&self, t_ms: i64) -> u32 {
        let k = (t_ms - self.start_ms).max(0) * i64::from(self.fps) / 1000;
        (k.min(i64::from(self.frames.saturating_sub(1)))) as u32
    }

    /// From a little before the start (races: before the formation lap, so the grid and the
    /// lights are in it) to shortly after the last car's last lap.
    pub fn for_session(s: &Session, fps: u32) -> Timeline {
        let first_data = s.telemetry.iter().filter_map(|t| t.t_ms.first().copied()).min();
        let first_lap = s.laps.iter().filter_map(|l| l.lap_start_ms.or(l.time_ms)).min();
        let start_ref = s.session_start_ms.or(first_lap).unwrap_or(0);
        let lead_in = if s.info.is_race_like() { 6 * 60_000 } else { 30_000 };
        let mut start = start_ref - lead_in;
        if let Some(d) = first_data {
            start = start.max(d);
        }
        // A race's data without TimingData still counts its laps (LapCount): the replay runs
        // to the last of them.
        let last_lap = s.laps.iter().filter_map(|l| l.time_ms).chain(s.current_lap.last().map(|c| c.0)).max().unwrap_or(start_ref);
        let last_data = s.telemetry.iter().filter_map(|t| t.t_ms.last().copied()).max();
        let mut end = last_lap + 60_000;
        if let Some(d) = last_data {
            end = end.min(d.max(last_lap));
        }
        let fps = fps.clamp(1, 120);
        let frames = ((end - start).max(1000) * i64::from(fps) / 1000) as u32;
        Timeline::new(start, fps, frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_times_are_the_same_with_and_without_the_fast_path() {
        for fps in 1..=120 {
            let tl = Timeline::new(-7_777, fps, 10_000);
            for k in [0u32, 1, 2, 3, 24, 25, 999, 9_999, 139_325] {
                assert_eq!(tl.t_ms(k), -7_777 + i64::from(k) * 1000 / i64::from(fps), "fps {fps} frame {k}");
            }
        }
    }
}
