//! The fictional field: ten teams, twenty drivers, and how fast each of them is.
//!
//! Names, numbers, codes and colours are fixed (so a replay of any seed shows the same people);
//! the pecking order, each driver's consistency and tyre management come from the seed.

use crate::rng::Rng;

/// A team: name and livery colour (hex without `#`, as the feed sends it).
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// Team name.
    pub name: &'static str,
    /// Colour, six hex digits.
    pub colour: &'static str,
}

const TEAMS: [Team; 10] = [
    Team { name: "Aurora Racing", colour: "E10600" },
    Team { name: "Vortex GP", colour: "1E5BC6" },
    Team { name: "Meridian F1 Team", colour: "00A19C" },
    Team { name: "Falcon Motorsport", colour: "FF8000" },
    Team { name: "Kestrel Racing", colour: "2B7A3B" },
    Team { name: "Titan Engineering", colour: "8C1D9C" },
    Team { name: "Nova Racing", colour: "F5D000" },
    Team { name: "Helix F1", colour: "9AA4AF" },
    Team { name: "Orion Grand Prix", colour: "FF5AA0" },
    Team { name: "Apex Velocity", colour: "5AC8FA" },
];

/// (number, first name, last name, three-letter code, country code)
const DRIVERS: [(u32, &str, &str, &str, &str); 20] = [
    (3, "Elias", "Varga", "VAR", "HUN"),
    (7, "Tomas", "Lindqvist", "LIN", "SWE"),
    (9, "Mateo", "Rossel", "ROS", "ESP"),
    (11, "Jonah", "Becker", "BEC", "GER"),
    (13, "Kai", "Moreau", "MOR", "FRA"),
    (17, "Adrian", "Novak", "NOV", "CZE"),
    (19, "Felix", "Hartmann", "HAR", "AUT"),
    (21, "Rafael", "Duarte", "DUA", "BRA"),
    (24, "Nils", "Ekdahl", "EKD", "NOR"),
    (26, "Hugo", "Santoro", "SAN", "ITA"),
    (28, "Leo", "Castell", "CAS", "ESP"),
    (29, "Milan", "Petrov", "PET", "BUL"),
    (32, "Sami", "Rahal", "RAH", "MAR"),
    (34, "Dario", "Conti", "CON", "ITA"),
    (36, "Theo", "Vance", "VAN", "GBR"),
    (38, "Ivan", "Kowal", "KOW", "POL"),
    (41, "Yuki", "Tanabe", "TAN", "JPN"),
    (46, "Noah", "Fischer", "FIS", "SUI"),
    (52, "Arto", "Lehto", "LEH", "FIN"),
    (57, "Marco", "Bellini", "BEL", "ITA"),
];

/// One driver of the field.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    /// Racing number as the feed writes it (`"44"`).
    pub number: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Three-letter code.
    pub tla: String,
    /// Country code.
    pub country: String,
    /// Team index into [`Field::teams`].
    pub team: usize,
    /// Pace factor: lap time multiplier over the reference lap (1.0 = the ideal lap).
    pub pace: f64,
    /// Lap-to-lap standard deviation of the pace factor.
    pub consistency: f64,
    /// Tyre wear multiplier (below 1 = kinder to tyres).
    pub tyre_wear: f64,
    /// Overtaking skill, 0..1.
    pub racecraft: f64,
}

impl Driver {
    /// `"M VERSTAPPEN"` style name the feed uses.
    pub fn broadcast_name(&self) -> String {
        format!("{} {}", self.first_name.chars().next().unwrap_or('X'), self.last_name.to_uppercase())
    }
}

/// The teams and drivers of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// All teams (some may be unused when fewer drivers are simulated).
    pub teams: Vec<Team>,
    /// Drivers, ordered by racing number.
    pub drivers: Vec<Driver>,
}

impl Field {
    /// The first `n` (1..=20) drivers of the roster, with seeded pace.
    pub fn generate(rng: &mut Rng, n: usize) -> Field {
        let n = n.clamp(1, 20);
        // team strength: a seeded order, gaps of ~0.2% per place, plus noise
        let mut order: Vec<usize> = (0..10).collect();
        rng.shuffle(&mut order);
        let mut team_pace = [0.0; 10];
        for (rank, &team) in order.iter().enumerate() {
            team_pace[team] = 1.006 + rank as f64 * 0.0024 + rng.range(0.0, 0.0012);
        }
        let mut drivers: Vec<Driver> = DRIVERS
            .iter()
            .enumerate()
            .take(n)
            .map(|(i, &(num, first, last, tla, country))| {
                let team = i / 2;
                Driver {
                    number: num.to_string(),
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    tla: tla.to_string(),
                    country: country.to_string(),
                    team,
                    pace: team_pace[team] + rng.range(-0.0025, 0.0025),
                    consistency: rng.range(0.0012, 0.0026),
                    tyre_wear: rng.range(0.85, 1.15),
                    racecraft: rng.range(0.2, 0.9),
                }
            })
            .collect();
        drivers.sort_by_key(|d| d.number.parse::<u32>().unwrap_or(0));
        Field { teams: TEAMS.to_vec(), drivers }
    }
}

/// Tyre compounds the simulator uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Compound {
    /// Fastest, wears quickest.
    Soft,
    /// The baseline.
    Medium,
    /// Slowest, most durable.
    Hard,
}

impl Compound {
    /// The feed's name.
    pub fn name(self) -> &'static str {
        match self {
            Compound::Soft => "SOFT",
            Compound::Medium => "MEDIUM",
            Compound::Hard => "HARD",
        }
    }

    /// Pace offset relative to the medium on a new tyre (fraction of lap time).
    pub fn offset(self) -> f64 {
        match self {
            Compound::Soft => -0.0075,
            Compound::Medium => 0.0,
            Compound::Hard => 0.0055,
        }
    }

    /// Pace loss per lap of age (fraction of lap time), before the driver's wear factor.
    pub fn wear_per_lap(self) -> f64 {
        match self {
            Compound::Soft => 0.00085,
            Compound::Medium => 0.00050,
            Compound::Hard => 0.00030,
        }
    }

    /// Laps after which the tyre falls off a cliff.
    pub fn cliff_lap(self) -> u32 {
        match self {
            Compound::Soft => 20,
            Compound::Medium => 33,
            Compound::Hard => 48,
        }
    }

    /// Total pace penalty for a tyre that has done `age` laps.
    pub fn penalty(self, age: u32, wear: f64) -> f64 {
        let over = age.saturating_sub(self.cliff_lap()) as f64;
        self.offset() + wear * (self.wear_per_lap() * age as f64 + 0.004 * over * over / 4.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_is_sorted_unique_and_two_per_team() {
        let f = Field::generate(&mut Rng::new(5), 20);
        assert_eq!(f.drivers.len(), 20);
        let mut nums: Vec<u32> = f.drivers.iter().map(|d| d.number.parse().unwrap()).collect();
        let sorted = nums.clone();
        nums.dedup();
        assert_eq!(nums, sorted);
        for t in 0..10 {
            assert_eq!(f.drivers.iter().filter(|d| d.team == t).count(), 2);
        }
        let mut tlas: Vec<&str> = f.drivers.iter().map(|d| d.tla.as_str()).collect();
        tlas.sort();
        tlas.dedup();
        assert_eq!(tlas.len(), 20);
    }

    #[test]
    fn softer_is_faster_new_and_slower_old() {
        assert!(Compound::Soft.penalty(0, 1.0) < Compound::Hard.penalty(0, 1.0));
        assert!(Compound::Soft.penalty(30, 1.0) > Compound::Hard.penalty(30, 1.0));
    }
}
