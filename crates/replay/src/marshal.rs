//! Marshal sectors on the replay's track: each sector of the circuit info
//! ([`timing::marshal::CircuitInfo`]) becomes the stretch of the centreline from the point
//! nearest its start to the point nearest the next sector's start, so a flag race control shows
//! in "TRACK SECTOR n" can be drawn on that stretch.

use crate::geometry::Track;
use timing::marshal::MarshalSector;

/// Furthest a marshal sector's start may lie from the centreline, metres: beyond it the circuit
/// info is for another layout (or another frame) than the positions, and no stretch is drawn.
pub const MAX_OFFSET_M: f32 = 60.0;

/// A marshal sector's stretch of the centreline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MarshalStretch {
    /// Marshal sector number, as race control names it.
    pub number: u32,
    /// First outline index (the manifest's `geometry.outline`).
    pub from: usize,
    /// Last outline index; below `from` when the stretch runs across the finish line.
    pub to: usize,
}

/// Why the marshal sectors cannot be placed on this track.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    /// The track has no centreline (no positions).
    #[error("the session has no car positions, so no track to place marshal sectors on")]
    NoTrack,
    /// A sector's start is far from the centreline.
    #[error(
        "marshal sector {number} starts {offset_m:.0} m from the track (more than {max:.0} m): the circuit info is for another layout"
    )]
    OffTrack {
        /// The sector.
        number: u32,
        /// Its distance from the centreline, metres.
        offset_m: f32,
        /// [`MAX_OFFSET_M`].
        max: f32,
    },
    /// The starts do not follow each other round the lap in number order.
    #[error("the marshal sectors' starts go round the track {wraps} times in number order instead of once: the circuit info is for another layout")]
    OutOfOrder {
        /// How many times the numbered starts wrap past the finish line.
        wraps: usize,
    },
}

/// The stretch of each marshal sector (given in number order, as the circuit info lists them
/// in the direction of travel): from its start's nearest outline point to the point before the
/// next sector's; the last runs to the first's.
pub fn stretches(track: &Track, sectors: &[MarshalSector]) -> Result<Vec<MarshalStretch>, PlaceError> {
    let n = track.outline.len();
    if n < 2 {
        return Err(PlaceError::NoTrack);
    }
    let mut starts = Vec::with_capacity(sectors.len());
    for m in sectors {
        let mut hint = 0;
        let (along, offset_m) = track.project([m.x_m, m.y_m], &mut hint);
        if offset_m > MAX_OFFSET_M {
            return Err(PlaceError::OffTrack { number: m.number, offset_m, max: MAX_OFFSET_M });
        }
        starts.push(track.cum_m.partition_point(|&d| d <= along).saturating_sub(1));
    }
    let wraps = (0..starts.len()).filter(|&i| starts[(i + 1) % starts.len()] < starts[i]).count();
    if starts.len() > 1 && wraps != 1 {
        return Err(PlaceError::OutOfOrder { wraps });
    }
    Ok(sectors
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let next = starts[(i + 1) % starts.len()];
            MarshalStretch { number: m.number, from: starts[i], to: (next + n - 1) % n }
        })
        .collect())
}

/// A sector flag as the viewer gets it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct FlagSpan {
    /// Marshal sector number.
    pub sector: u32,
    /// yellow, double_yellow or red.
    pub flag: timing::marshal::SectorFlagKind,
    /// Shown from, session s.
    pub start_s: f64,
    /// Until, session s; `null` when never cleared.
    pub end_s: Option<f64>,
}

/// The marshal sectors of a session and the flags shown in them (`GET
/// /api/sessions/{id}/marshal-sectors`): the flags always (from race control); the stretches
/// when the circuit info was found and fits the track, else `available: false` and the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MarshalView {
    /// Whether the stretches are known (the flags can be drawn on the map).
    pub available: bool,
    /// Why not, in plain words.
    pub reason: Option<String>,
    /// Each marshal sector's stretch of the manifest's outline.
    pub stretches: Vec<MarshalStretch>,
    /// Race control's sector flags over time ([`timing::marshal::sector_flags`]).
    pub flags: Vec<FlagSpan>,
}

impl MarshalView {
    /// The view of a session: its track (if it has positions), its circuit info or why there
    /// is none, and its race control messages.
    pub fn of(
        track: Option<&Track>,
        circuit: Result<timing::marshal::CircuitInfo, String>,
        race_control: &[timing::RaceControlEvent],
    ) -> MarshalView {
        let secs = |ms: i64| ms as f64 / 1000.0;
        let flags = timing::marshal::sector_flags(race_control)
            .into_iter()
            .map(|f| FlagSpan { sector: f.sector, flag: f.flag, start_s: secs(f.start_ms), end_s: f.end_ms.map(secs) })
            .collect();
        let placed = circuit.and_then(|c| {
            stretches(track.ok_or(PlaceError::NoTrack).map_err(|e| e.to_string())?, &c.marshal_sectors).map_err(|e| e.to_string())
        });
        match placed {
            Ok(stretches) => MarshalView { available: true, reason: None, stretches, flags },
            Err(reason) => MarshalView { available: false, reason: Some(reason), stretches: Vec::new(), flags },
        }
    }
}
