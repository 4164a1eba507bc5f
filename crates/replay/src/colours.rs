//! The map's car colours: each team's own colour, moved just enough that any two teams differ
//! by at least [`MIN_DELTA_E`] (CIE76 ΔE*ab, in CIELAB). Several teams wear similar blues or
//! greens; as 13 px dots on a dark map they read as one team. Teammates share their team's
//! colour (the map marks the second car with a white centre).

/// Least CIE76 ΔE*ab between any two teams' map colours. A ΔE of ~2.3 is the least difference
/// seen between large patches side by side; small marks, apart and moving, need several times
/// more. 20 is about a tenth of the whole lightness-and-hue range the map colours keep, so ten
/// teams fit with room, and two dots that far apart read as different teams at a glance; the
/// team colours in the test data have pairs as close as ΔE 3.7 (`tests/map_colours.rs`).
pub const MIN_DELTA_E: f32 = 20.0;

/// Lightness range the map colours keep, so a dot stands out on the dark map and under the
/// white centre of a second car.
const L_RANGE: (f32, f32) = (40.0, 92.0);

/// A colour in CIELAB (D65).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lab {
    /// Lightness, 0..100.
    pub l: f32,
    /// Green (−) to red (+).
    pub a: f32,
    /// Blue (−) to yellow (+).
    pub b: f32,
}

impl Lab {
    /// CIE76 ΔE*ab: the Euclidean distance in CIELAB.
    pub fn delta_e(self, o: Lab) -> f32 {
        ((self.l - o.l).powi(2) + (self.a - o.a).powi(2) + (self.b - o.b).powi(2)).sqrt()
    }

    /// The Lab value of an sRGB colour `#RRGGBB` or `RRGGBB`; `None` when it is not one.
    pub fn from_hex(hex: &str) -> Option<Lab> {
        let h = hex.trim().trim_start_matches('#');
        if h.len() != 6 || !h.is_ascii() {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
        Some(Lab::from_rgb([byte(0)?, byte(2)?, byte(4)?]))
    }

    /// The Lab value of an sRGB colour.
    pub fn from_rgb(rgb: [u8; 3]) -> Lab {
        let lin = |c: u8| {
            let c = f32::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (lin(rgb[0]), lin(rgb[1]), lin(rgb[2]));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f32| if t > 0.008856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        Lab { l: 116.0 * fy - 16.0, a: 500.0 * (fx - fy), b: 200.0 * (fy - fz) }
    }

    /// The sRGB colour of this Lab value; `None` when it lies outside sRGB.
    pub fn to_rgb(self) -> Option<[u8; 3]> {
        let fy = (self.l + 16.0) / 116.0;
        let (fx, fz) = (fy + self.a / 500.0, fy - self.b / 200.0);
        let inv = |t: f32| if t.powi(3) > 0.008856 { t.powi(3) } else { (t - 16.0 / 116.0) / 7.787 };
        let (x, y, z) = (inv(fx) * 0.95047, inv(fy), inv(fz) * 1.08883);
        let r = 3.2406 * x - 1.5372 * y - 0.4986 * z;
        let g = -0.9689 * x + 1.8758 * y + 0.0415 * z;
        let b = 0.0557 * x - 0.2040 * y + 1.0570 * z;
        let gamma = |c: f32| {
            let c = if c <= 0.0031308 { 12.92 * c } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
            (-0.002..=1.002).contains(&c).then(|| (c.clamp(0.0, 1.0) * 255.0).round() as u8)
        };
        Some([gamma(r)?, gamma(g)?, gamma(b)?])
    }
}

/// `#RRGGBB` of an sRGB colour.
fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02X}{:02X}{:02X}", rgb[0], rgb[1], rgb[2])
}

/// The map colour of each driver, given each driver's (team name, team colour `RRGGBB`):
/// teams in order of first appearance keep their colour when it is at least [`MIN_DELTA_E`]
/// from every team before them, else take the nearest colour (by ΔE to their own) that is, in
/// sRGB and the map's lightness range. Drivers the DriverList gives no team are one group (a
/// partial list names none for some numbers) sharing one colour; an unreadable colour is grey.
pub fn map_colours<'a>(drivers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut teams: Vec<(String, Lab)> = Vec::new();
    let mut out = Vec::new();
    for (team, colour) in drivers {
        if let Some((_, lab)) = teams.iter().find(|(k, _)| k == team) {
            out.push(hex(lab.to_rgb().unwrap_or([136; 3])));
            continue;
        }
        let own = Lab::from_hex(colour).unwrap_or(Lab::from_rgb([136; 3]));
        let taken: Vec<Lab> = teams.iter().map(|t| t.1).collect();
        let lab = nearest_clear(own, &taken);
        teams.push((team.to_string(), lab));
        out.push(hex(lab.to_rgb().unwrap_or([136; 3])));
    }
    out
}

/// The colour nearest `own` that is at least [`MIN_DELTA_E`] from each of `taken`: `own` itself
/// when it is, else the nearest of a grid of lightness, hue and chroma changes; when no change
/// clears them all, the one furthest from its nearest neighbour.
fn nearest_clear(own: Lab, taken: &[Lab]) -> Lab {
    let clearance = |c: Lab| taken.iter().map(|t| c.delta_e(*t)).fold(f32::INFINITY, f32::min);
    if clearance(own) >= MIN_DELTA_E && own.to_rgb().is_some() {
        return own;
    }
    let mut best: Option<(bool, f32, Lab)> = None;
    for dl in (-12..=12).map(|k| k as f32 * 4.0) {
        for turn in (-12..=12).map(|k| (k as f32 * 10.0).to_radians()) {
            for scale in [0.5f32, 0.75, 1.0, 1.25, 1.5] {
                let (s, c) = turn.sin_cos();
                let cand = Lab { l: own.l + dl, a: scale * (own.a * c - own.b * s), b: scale * (own.a * s + own.b * c) };
                if !(L_RANGE.0..=L_RANGE.1).contains(&cand.l) {
                    continue;
                }
                let Some(rgb) = cand.to_rgb() else { continue };
                let cand = Lab::from_rgb(rgb);
                let clear = clearance(cand);
                // Clear candidates by nearness to the team's own; else by clearance.
                let key = (clear >= MIN_DELTA_E, if clear >= MIN_DELTA_E { -cand.delta_e(own) } else { clear }, cand);
                if best.is_none_or(|b| (key.0, key.1) > (b.0, b.1)) {
                    best = Some(key);
                }
            }
        }
    }
    best.map_or(own, |b| b.2)
}

/// The least ΔE between the map colours of two different teams, given each driver's (team,
/// map colour); infinite with fewer than two teams.
pub fn min_team_delta_e<'a>(drivers: impl IntoIterator<Item = (&'a str, &'a str)>) -> f32 {
    let mut teams: Vec<(&str, Lab)> = Vec::new();
    for (team, colour) in drivers {
        if let (false, Some(lab)) = (teams.iter().any(|t| t.0 == team), Lab::from_hex(colour)) {
            teams.push((team, lab));
        }
    }
    let mut least = f32::INFINITY;
    for (i, a) in teams.iter().enumerate() {
        for b in &teams[i + 1..] {
            least = least.min(a.1.delta_e(b.1));
        }
    }
    least
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_round_trips_srgb_and_knows_white_and_black() {
        let white = Lab::from_hex("#FFFFFF").unwrap();
        assert!((white.l - 100.0).abs() < 0.1 && white.a.abs() < 0.1 && white.b.abs() < 0.1, "{white:?}");
        assert!(Lab::from_hex("000000").unwrap().l.abs() < 0.1);
        for rgb in [[54, 113, 198], [39, 244, 210], [255, 128, 0], [1, 2, 3]] {
            assert_eq!(Lab::from_rgb(rgb).to_rgb(), Some(rgb));
        }
        assert_eq!(Lab { l: 50.0, a: 120.0, b: -120.0 }.to_rgb(), None);
    }

    #[test]
    fn close_teams_are_moved_apart_and_clear_ones_keep_their_colour() {
        // Two blues ΔE ≈ 6 apart, a teammate, and an orange far from both.
        let drivers = [("Blue A", "3671C6"), ("Blue B", "2F6FD0"), ("Blue A", "3671C6"), ("Orange", "FF8000")];
        let before = min_team_delta_e(drivers);
        assert!(before < MIN_DELTA_E, "{before}");
        let got = map_colours(drivers);
        assert_eq!(got[0], "#3671C6");
        assert_eq!(got[2], got[0], "teammates share the colour");
        assert_eq!(got[3], "#FF8000");
        let after = min_team_delta_e(drivers.iter().zip(&got).map(|(d, c)| (d.0, c.as_str())));
        assert!(after >= MIN_DELTA_E, "{after}");
    }
}
