//! Marshal sectors and the flags shown in them. Race control names a marshal sector ("YELLOW
//! IN TRACK SECTOR 7"); where each sector lies is not in the live-timing archive but in the
//! circuit info of api.multiviewer.app (`/api/v1/circuits/{circuitKey}/{year}`, which FastF1
//! reads too): `marshalSectors`, each with a track position in the feed's units (decimetres,
//! the frame of `Position.z`). This module reads that file and turns race control's sector
//! flags into "flag in sector n from .. to .." intervals.

use crate::RaceControlEvent;

/// Why a circuit info file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CircuitInfoError {
    /// Not JSON, or not the circuit info's shape.
    #[error("{location}: not a circuit info file: {reason}")]
    Invalid {
        /// Where the bytes came from (URL or path).
        location: String,
        /// What was wrong.
        reason: String,
    },
}

/// Where a marshal sector starts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MarshalSector {
    /// Marshal sector number, as race control names it.
    pub number: u32,
    /// Start of the sector, metres, in the frame of the car positions.
    pub x_m: f32,
    /// Start of the sector, metres.
    pub y_m: f32,
}

/// The circuit info's part the replay uses.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitInfo {
    /// Marshal sectors by number, in the direction of travel.
    pub marshal_sectors: Vec<MarshalSector>,
}

impl CircuitInfo {
    /// Reads a circuit info JSON (`location` names it in errors). Units: the file's decimetres
    /// become metres.
    pub fn parse(bytes: &[u8], location: &str) -> Result<CircuitInfo, CircuitInfoError> {
        let invalid = |reason: String| CircuitInfoError::Invalid { location: location.to_string(), reason };
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        let list = v.get("marshalSectors").and_then(|m| m.as_array()).ok_or_else(|| invalid("no marshalSectors list".into()))?;
        let mut marshal_sectors = Vec::with_capacity(list.len());
        for (i, m) in list.iter().enumerate() {
            let number = m.get("number").and_then(|n| n.as_u64()).and_then(|n| u32::try_from(n).ok());
            let pos = m.get("trackPosition");
            let coord = |k: &str| pos.and_then(|p| p.get(k)).and_then(|x| x.as_f64()).map(|x| (x / 10.0) as f32);
            match (number, coord("x"), coord("y")) {
                (Some(number), Some(x_m), Some(y_m)) => marshal_sectors.push(MarshalSector { number, x_m, y_m }),
                _ => return Err(invalid(format!("marshal sector {i} has no number or track position"))),
            }
        }
        marshal_sectors.sort_by_key(|m| m.number);
        Ok(CircuitInfo { marshal_sectors })
    }
}

/// A flag race control shows in one marshal sector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectorFlagKind {
    /// Yellow: danger, slow down.
    Yellow,
    /// Double yellow: great danger, be prepared to stop.
    DoubleYellow,
    /// Red shown in a sector.
    Red,
}

impl SectorFlagKind {
    /// The kind of race control's `Flag` field, or `None` for a flag that is not shown in a
    /// sector this way (CLEAR, GREEN, BLUE...).
    pub fn of(flag: &str) -> Option<SectorFlagKind> {
        match flag {
            "YELLOW" => Some(SectorFlagKind::Yellow),
            "DOUBLE YELLOW" => Some(SectorFlagKind::DoubleYellow),
            "RED" => Some(SectorFlagKind::Red),
            _ => None,
        }
    }
}

/// A flag shown in a marshal sector from `start_ms` to `end_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectorFlag {
    /// Marshal sector number.
    pub sector: u32,
    /// Which flag.
    pub flag: SectorFlagKind,
    /// Shown from, session ms.
    pub start_ms: i64,
    /// Until, session ms: a CLEAR in that sector, another flag there, or a green or clear for
    /// the whole track; `None` when never cleared.
    pub end_ms: Option<i64>,
}

/// Race control's sector flags as intervals, in order of start. A flag in a sector ends at the
/// next sector message for that sector (CLEAR, or another flag, which starts its own
/// interval), at a track-wide GREEN, CLEAR or CHEQUERED, or not at all.
pub fn sector_flags(race_control: &[RaceControlEvent]) -> Vec<SectorFlag> {
    let mut out: Vec<SectorFlag> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for e in race_control {
        let m = &e.message;
        if m.category != "Flag" {
            continue;
        }
        let close = |out: &mut Vec<SectorFlag>, open: &mut Vec<usize>, which: &dyn Fn(&SectorFlag) -> bool| {
            open.retain(|&i| {
                let hit = which(&out[i]);
                if hit {
                    out[i].end_ms = Some(e.t_ms);
                }
                !hit
            });
        };
        match (m.scope.as_str(), m.sector) {
            ("Sector", Some(n)) => {
                close(&mut out, &mut open, &|f| f.sector == n);
                if let Some(flag) = SectorFlagKind::of(&m.flag) {
                    open.push(out.len());
                    out.push(SectorFlag { sector: n, flag, start_ms: e.t_ms, end_ms: None });
                }
            }
            ("Track", _) if matches!(m.flag.as_str(), "GREEN" | "CLEAR" | "CHEQUERED") => close(&mut out, &mut open, &|_| true),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use feed::records::RaceControlMessage;

    fn rc(t_ms: i64, flag: &str, scope: &str, sector: Option<u32>) -> RaceControlEvent {
        let message = RaceControlMessage { category: "Flag".into(), flag: flag.into(), scope: scope.into(), sector, ..Default::default() };
        RaceControlEvent { t_ms, message }
    }

    #[test]
    fn sector_flags_open_at_the_flag_and_close_at_clear_another_flag_or_a_track_green() {
        let msgs = [
            rc(10, "YELLOW", "Sector", Some(7)),
            rc(15, "DOUBLE YELLOW", "Sector", Some(3)),
            rc(20, "CLEAR", "Sector", Some(7)),
            rc(25, "YELLOW", "Sector", Some(3)),
            rc(30, "YELLOW", "Sector", Some(9)),
            rc(40, "GREEN", "Track", None),
            rc(50, "YELLOW", "Sector", Some(1)),
        ];
        let got: Vec<(u32, SectorFlagKind, i64, Option<i64>)> =
            sector_flags(&msgs).iter().map(|f| (f.sector, f.flag, f.start_ms, f.end_ms)).collect();
        use SectorFlagKind::*;
        assert_eq!(
            got,
            vec![
                (7, Yellow, 10, Some(20)),
                (3, DoubleYellow, 15, Some(25)),
                (3, Yellow, 25, Some(40)),
                (9, Yellow, 30, Some(40)),
                (1, Yellow, 50, None)
            ]
        );
    }

    #[test]
    fn a_circuit_info_gives_metres_and_a_bad_one_says_where_and_why() {
        let json = br#"{"marshalSectors":[{"number":2,"trackPosition":{"x":100.0,"y":-50.0}},{"number":1,"trackPosition":{"x":0,"y":0}}]}"#;
        let info = CircuitInfo::parse(json, "test").unwrap();
        assert_eq!(info.marshal_sectors[0], MarshalSector { number: 1, x_m: 0.0, y_m: 0.0 });
        assert_eq!(info.marshal_sectors[1], MarshalSector { number: 2, x_m: 10.0, y_m: -5.0 });
        let err = CircuitInfo::parse(b"{}", "http://x/1/2020").unwrap_err().to_string();
        assert!(err.contains("http://x/1/2020") && err.contains("marshalSectors"), "{err}");
    }
}
