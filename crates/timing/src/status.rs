//! Session-wide state over time: track status intervals, session status, total laps.

use feed::records::{LapCountEntry, Timed, TrackStatusEntry};

/// A period with one track status, `[start_ms, end_ms]` in session time (`end_ms` is `None`
/// for the last one, which lasts until the end of the session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackStatusInterval {
    /// Start, session ms.
    pub start_ms: i64,
    /// End (the next change), session ms.
    pub end_ms: Option<i64>,
    /// 1 clear, 2 yellow, 4 SC, 5 red, 6 VSC, 7 VSC ending.
    pub status: u8,
}

/// Turns TrackStatus changes into consecutive intervals.
pub fn track_status_intervals(changes: &[Timed<TrackStatusEntry>]) -> Vec<TrackStatusInterval> {
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| TrackStatusInterval { start_ms: c.t_ms, end_ms: changes.get(i + 1).map(|n| n.t_ms), status: c.value.status })
        .collect()
}

/// The track status at `t_ms` (a step function; 1 before the first change).
pub fn track_status_at(intervals: &[TrackStatusInterval], t_ms: i64) -> u8 {
    let i = intervals.partition_point(|iv| iv.start_ms <= t_ms);
    if i == 0 {
        1
    } else {
        intervals[i - 1].status
    }
}

/// The session time of the first "Started" (FastF1's `session_start_time`).
pub fn session_start(status: &[Timed<String>]) -> Option<i64> {
    status.iter().find(|s| s.value == "Started").map(|s| s.t_ms)
}

/// The last total lap count sent (race-like sessions).
pub fn total_laps(counts: &[Timed<LapCountEntry>]) -> Option<u32> {
    counts.iter().rev().find_map(|c| c.value.total_laps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_a_step_function() {
        let e = |t, s| Timed { t_ms: t, value: TrackStatusEntry { status: s, message: String::new() } };
        let iv = track_status_intervals(&[e(0, 1), e(100, 4), e(200, 1)]);
        assert_eq!(iv[1], TrackStatusInterval { start_ms: 100, end_ms: Some(200), status: 4 });
        assert_eq!(track_status_at(&iv, 150), 4);
        assert_eq!(track_status_at(&iv, 200), 1);
        assert_eq!(track_status_at(&iv, -5), 1);
    }
}

/// The timing's track status codes (TrackStatus `Status`): the one table of what each means,
/// which the API, the viewer's banners and the exporters present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum TrackStatus {
    /// 1: track clear (green).
    Clear,
    /// 2: yellow flag in a sector.
    Yellow,
    /// 4: safety car deployed.
    SafetyCar,
    /// 5: red flag.
    Red,
    /// 6: virtual safety car deployed.
    VirtualSafetyCar,
    /// 7: virtual safety car ending.
    VirtualSafetyCarEnding,
    /// Any other code.
    Unknown,
}

impl TrackStatus {
    /// Every known status, in code order.
    pub const ALL: [TrackStatus; 6] = [
        TrackStatus::Clear,
        TrackStatus::Yellow,
        TrackStatus::SafetyCar,
        TrackStatus::Red,
        TrackStatus::VirtualSafetyCar,
        TrackStatus::VirtualSafetyCarEnding,
    ];

    /// The status of a timing code.
    pub fn from_code(code: u8) -> TrackStatus {
        TrackStatus::ALL.into_iter().find(|s| s.code() == code).unwrap_or(TrackStatus::Unknown)
    }

    /// The timing's code (0 for [`TrackStatus::Unknown`]).
    pub fn code(self) -> u8 {
        match self {
            TrackStatus::Clear => 1,
            TrackStatus::Yellow => 2,
            TrackStatus::SafetyCar => 4,
            TrackStatus::Red => 5,
            TrackStatus::VirtualSafetyCar => 6,
            TrackStatus::VirtualSafetyCarEnding => 7,
            TrackStatus::Unknown => 0,
        }
    }

    /// Short name, as a timing screen's banner shows it.
    pub fn label(self) -> &'static str {
        match self {
            TrackStatus::Clear => "Clear",
            TrackStatus::Yellow => "Yellow",
            TrackStatus::SafetyCar => "SC",
            TrackStatus::Red => "Red",
            TrackStatus::VirtualSafetyCar => "VSC",
            TrackStatus::VirtualSafetyCarEnding => "VSC ending",
            TrackStatus::Unknown => "Unknown",
        }
    }

    /// The banner a timing screen shows for it (empty while the track is clear).
    pub fn banner(self) -> &'static str {
        match self {
            TrackStatus::Clear | TrackStatus::Unknown => "",
            TrackStatus::Yellow => "YELLOW",
            TrackStatus::SafetyCar => "SC",
            TrackStatus::Red => "RED",
            TrackStatus::VirtualSafetyCar | TrackStatus::VirtualSafetyCarEnding => "VSC",
        }
    }

    /// Full name.
    pub fn name(self) -> &'static str {
        match self {
            TrackStatus::Clear => "Track clear",
            TrackStatus::Yellow => "Yellow flag",
            TrackStatus::SafetyCar => "Safety car",
            TrackStatus::Red => "Red flag",
            TrackStatus::VirtualSafetyCar => "Virtual safety car",
            TrackStatus::VirtualSafetyCarEnding => "VSC ending",
            TrackStatus::Unknown => "Unknown status",
        }
    }

    /// A neutralised race (SC, VSC or its ending): gaps and positions then follow other rules.
    pub fn is_neutralised(self) -> bool {
        matches!(self, TrackStatus::SafetyCar | TrackStatus::VirtualSafetyCar | TrackStatus::VirtualSafetyCarEnding)
    }
}
