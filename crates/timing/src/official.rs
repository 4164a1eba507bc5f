//! What the official timing said over time, per driver: position, retirement, knock-out,
//! pit lane. The replay compares its own standings with these and takes states from them.

use feed::FeedSession;

/// One driver's official timing flags as step functions: each is a list of `(session ms,
/// value)` changes in stream order.
#[derive(Debug, Default, Clone)]
pub struct OfficialTimeline {
    /// Racing number.
    pub driver: u16,
    /// Official position (TimingData `Position`).
    pub position: Vec<(i64, u32)>,
    /// Retired flag.
    pub retired: Vec<(i64, bool)>,
    /// Stopped on track.
    pub stopped: Vec<(i64, bool)>,
    /// Knocked out of qualifying.
    pub knocked_out: Vec<(i64, bool)>,
    /// In the pit lane.
    pub in_pit: Vec<(i64, bool)>,
    /// Laps completed (`NumberOfLaps`), never going back: the timing's own lap count and the
    /// moments it reported each crossing.
    pub laps: Vec<(i64, u32)>,
    /// The last time the timing saw the car running: a sector or lap completed, a pit exit.
    pub last_running_ms: Option<i64>,
    /// Gap to the leader as the timing showed it (`GapToLeader`), ms; `None` where it showed
    /// no time (the leader's "LAP n", a lapped car's "1L", empty).
    pub gap_to_leader_ms: Vec<(i64, Option<i64>)>,
    /// The personal best lap as the timing showed it (`BestLapTime`), ms; `None` where it
    /// showed none. In qualifying the timing clears it as each part starts, and it drops a
    /// deleted lap (and restores a reinstated one) when it applies the decision, some seconds
    /// after race control's message: the timing screen ranks by this.
    pub best_lap_ms: Vec<(i64, Option<i64>)>,
    /// The best lap in each qualifying part as the timing showed it (`BestLapTimes`, index 0 =
    /// Q1), ms, with the same deletions.
    pub part_best_ms: Vec<Vec<(i64, Option<i64>)>>,
    /// Interval to the car ahead as the timing showed it (`IntervalToPositionAhead.Value`),
    /// ms, read as [`OfficialTimeline::gap_to_leader_ms`].
    pub interval_ms: Vec<(i64, Option<i64>)>,
    /// Mini-sector statuses as sent (`Sectors[i].Segments[j].Status`), in stream order:
    /// [`crate::segments`] names and folds them.
    pub segments: Vec<(i64, feed::records::SegmentPatch)>,
}

/// A `GapToLeader` text as ms behind the leader: "+1.234" is 1234; anything else ("LAP 57",
/// "1L", empty) is `None`.
pub fn gap_ms(text: &str) -> Option<i64> {
    text.trim().starts_with('+').then(|| feed::time::parse_duration_ms(text)).flatten()
}

/// The value of a step function at `t` (the last change at or before `t`).
pub fn value_at<T: Copy>(changes: &[(i64, T)], t: i64) -> Option<T> {
    let i = changes.partition_point(|c| c.0 <= t);
    (i > 0).then(|| changes[i - 1].1)
}

/// Collects every driver's official timeline from TimingData.
pub fn timelines(feed: &FeedSession, drivers: &[u16]) -> Vec<OfficialTimeline> {
    let mut out: Vec<OfficialTimeline> = drivers.iter().map(|&driver| OfficialTimeline { driver, ..Default::default() }).collect();
    for line in &feed.timing {
        for (n, p) in &line.drivers {
            let Some(o) = out.iter_mut().find(|o| o.driver == *n) else { continue };
            let t = line.t_ms;
            if let Some(v) = p.position.filter(|v| *v > 0) {
                o.position.push((t, v));
            }
            if let Some(v) = p.retired {
                o.retired.push((t, v));
            }
            if let Some(v) = p.stopped {
                o.stopped.push((t, v));
            }
            if let Some(v) = p.knocked_out {
                o.knocked_out.push((t, v));
            }
            if let Some(v) = p.in_pit {
                o.in_pit.push((t, v));
            }
            if let Some(v) = p.best_lap_time {
                o.best_lap_ms.push((t, v));
            }
            for &(part, v) in &p.best_lap_times {
                let part = usize::from(part);
                if o.part_best_ms.len() <= part {
                    o.part_best_ms.resize(part + 1, Vec::new());
                }
                o.part_best_ms[part].push((t, v));
            }
            if let Some(text) = &p.gap_to_leader {
                o.gap_to_leader_ms.push((t, gap_ms(text)));
            }
            o.segments.extend(p.segments.iter().map(|s| (t, *s)));
            if let Some(text) = &p.interval_to_ahead {
                o.interval_ms.push((t, gap_ms(text)));
            }
            let running =
                p.sectors.iter().any(|s| s.1.is_some()) || p.number_of_laps.is_some() || p.pit_out == Some(true) || p.in_pit == Some(false);
            if running {
                o.last_running_ms = Some(o.last_running_ms.map_or(t, |l| l.max(t)));
            }
            if let Some(v) = p.number_of_laps {
                if o.laps.last().is_none_or(|l| v > l.1) {
                    o.laps.push((t, v));
                }
            }
        }
    }
    // Offsets can go back a little around reconnects; a step function needs sorted times.
    for o in &mut out {
        o.position.sort_by_key(|c| c.0);
        o.retired.sort_by_key(|c| c.0);
        o.stopped.sort_by_key(|c| c.0);
        o.knocked_out.sort_by_key(|c| c.0);
        o.in_pit.sort_by_key(|c| c.0);
        o.laps.sort_by_key(|c| c.0);
        o.gap_to_leader_ms.sort_by_key(|c| c.0);
        o.best_lap_ms.sort_by_key(|c| c.0);
        for part in &mut o.part_best_ms {
            part.sort_by_key(|c| c.0);
        }
        o.interval_ms.sort_by_key(|c| c.0);
        o.segments.sort_by_key(|c| c.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_read_as_the_timing_shows_them() {
        assert_eq!(gap_ms("+1.234"), Some(1_234));
        assert_eq!(gap_ms(" +12.5 "), Some(12_500));
        assert_eq!(gap_ms("+0.000"), Some(0));
        for text in ["LAP 57", "1L", "1 L", "", "+", "+-1.0", "1.234", "+NaN"] {
            assert_eq!(gap_ms(text), None, "{text:?}");
        }
    }
}
