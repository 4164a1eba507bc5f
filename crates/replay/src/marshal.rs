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
    Ok(sectors
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let next = starts[(i + 1) % starts.len()];
            MarshalStretch { number: m.number, from: starts[i], to: (next + n - 1) % n }
        })
        .collect())
}
