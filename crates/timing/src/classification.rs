//! Who is where: the order of a qualifying or practice session at any moment, as the timing
//! screen ranks it, and every session's final classification. The replay's standings, the
//! server's results and the CLI's `info` all come from here.
//!
//! Qualifying and sprint qualifying: cars still running are ranked by their best lap in the
//! current part; knocked-out cars below them, by the deepest part they reached (later first),
//! then by their best lap in it. Practice: by best lap. The best laps are the timing's own
//! (`BestLapTime`, `BestLapTimes`): it never counts a lap begun at the pit exit, and it drops a
//! deleted lap (or restores a reinstated one) when it applies the decision, some seconds after
//! race control's message, so following it follows the timing screen. Where the timing sent no
//! best laps at all, they are worked out from the laps by the same rules ([`lap_counts`]).
//!
//! Races and sprints are classified as the timing's last `Position` ranks them.

use crate::laps::Lap;
use crate::official::{value_at, OfficialTimeline};
use crate::Session;
pub use feed::records::SessionKind;
use serde::Serialize;

/// Where one car stands at a moment of a qualifying or practice session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestLapStanding {
    /// Racing number.
    pub driver: u16,
    /// Knocked out of qualifying (ranked below the cars still running).
    pub knocked_out: bool,
    /// The part the car is ranked by (0 = Q1): the current part, or the deepest part a
    /// knocked-out car reached; always 0 in practice.
    pub part: usize,
    /// Its best lap in that part, ms.
    pub best_ms: Option<i64>,
    /// Behind the fastest lap of that part, ms.
    pub gap_ms: Option<i64>,
    /// Behind the car ranked just ahead, when that car is ranked by the same part, ms.
    pub interval_ms: Option<i64>,
}

/// The qualifying part (0 = Q1) running at `t`.
pub fn part_at(part_starts: &[i64], t: i64) -> usize {
    part_starts.iter().rposition(|&s| s <= t).unwrap_or(0)
}

/// Whether a lap's time counts for the ranking at `t`, for a session whose timing sent no
/// best laps: it was reported by `t`, it is not an out lap (begun at the pit exit) nor an in
/// lap (ended in the pit lane: it never crosses the line), and it is not deleted by `t` (race
/// control's message is the only time known then).
pub fn lap_counts(l: &Lap, t: i64) -> bool {
    let reported = reported_at(l);
    l.lap_time_ms.is_some()
        && !l.generated
        && l.pit_out_ms.is_none()
        && l.pit_in_ms.is_none()
        && reported.is_some_and(|r| r <= t)
        && !(l.deleted == Some(true) && l.deleted_at_ms.is_none_or(|d| d <= t))
}

/// When a lap counts for the standings: when the timing announced it (the timing screen's
/// order changes then, not at the sector-synced crossing a few hundred ms earlier).
pub fn reported_at(l: &Lap) -> Option<i64> {
    match (l.time_ms, l.reported_ms) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The best laps the ranking reads: the timing's, or worked out from the laps.
struct Bests<'a> {
    s: &'a Session,
    /// The timing sent best laps (for some car, at some time).
    from_timing: bool,
    qualifying: bool,
}

impl<'a> Bests<'a> {
    fn new(s: &'a Session) -> Bests<'a> {
        let from_timing = s.official.iter().any(|o| !o.best_lap_ms.is_empty() || o.part_best_ms.iter().any(|p| !p.is_empty()));
        Bests { s, from_timing, qualifying: s.info.is_qualifying_like() }
    }

    /// A car's best lap in `part` (practice: overall) at `t`, and when it was set (ms). A car
    /// that went through to the next part keeps the time that took it there: the timing may
    /// clear the slot of a finished part as the next begins (a lap deleted then would have
    /// knocked the car out instead), so the last time it showed counts.
    fn best(&self, o: &OfficialTimeline, part: usize, t: i64) -> Option<(i64, i64)> {
        if self.from_timing {
            let changes = if self.qualifying { o.part_best_ms.get(part).map_or(&[][..], Vec::as_slice) } else { &o.best_lap_ms[..] };
            let shown = &changes[..changes.partition_point(|c| c.0 <= t)];
            let went_through =
                self.qualifying && self.s.part_starts_ms.get(part + 1).is_some_and(|&next| next <= t) && took_part(self.s, o, part + 1);
            let last = if went_through { shown.iter().rev().find(|c| c.1.is_some()) } else { shown.last() };
            return last.and_then(|c| c.1.map(|v| (v, c.0)));
        }
        let parts = &self.s.part_starts_ms;
        self.s
            .laps
            .iter()
            .filter(|l| l.driver == o.driver && lap_counts(l, t))
            .filter(|l| !self.qualifying || part_at(parts, l.time_ms.unwrap_or(i64::MIN)) == part)
            .filter_map(|l| Some((l.lap_time_ms?, l.time_ms.unwrap_or(i64::MIN))))
            .min()
    }
}

/// Whether a car took part in qualifying part `p`: every car takes part in Q1; a later part
/// only if the timing did not have it knocked out as the part started (it sends the
/// knock-outs with the part's first line).
fn took_part(s: &Session, o: &OfficialTimeline, p: usize) -> bool {
    p == 0 || s.part_starts_ms.get(p).is_none_or(|&start| !value_at(&o.knocked_out, start).unwrap_or(false))
}

/// The deepest qualifying part (0 = Q1) a car reached by part `current`.
fn deepest_part(s: &Session, o: &OfficialTimeline, current: usize) -> usize {
    (0..=current).rev().find(|&p| took_part(s, o, p)).unwrap_or(0)
}

/// A car's sort key in [`best_lap_order`], lowest first: knocked out, −part ranked by, best
/// lap, when it was set, the timing's position (for cars without a time), racing number.
type RankKey = (bool, i64, i64, i64, u32, u16);

/// The order of a qualifying or practice session at `t` (see the module doc), best first.
/// Equal times rank by who set theirs first; cars without a time rank as the timing does.
pub fn best_lap_order(s: &Session, t: i64) -> Vec<BestLapStanding> {
    let bests = Bests::new(s);
    let qualifying = bests.qualifying;
    let current = if qualifying { part_at(&s.part_starts_ms, t) } else { 0 };
    let mut rows: Vec<(RankKey, BestLapStanding)> = s
        .official
        .iter()
        .filter(|o| s.driver(o.driver).is_some())
        .map(|o| {
            let knocked_out = qualifying && value_at(&o.knocked_out, t).unwrap_or(false);
            let part = if qualifying { deepest_part(s, o, current) } else { 0 };
            let best = bests.best(o, part, t);
            let official = value_at(&o.position, t).unwrap_or(u32::MAX);
            let key = (knocked_out, -(part as i64), best.map_or(i64::MAX, |b| b.0), best.map_or(i64::MAX, |b| b.1), official, o.driver);
            (key, BestLapStanding { driver: o.driver, knocked_out, part, best_ms: best.map(|b| b.0), gap_ms: None, interval_ms: None })
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    let mut order: Vec<BestLapStanding> = rows.into_iter().map(|r| r.1).collect();
    let parts = order.iter().map(|r| r.part + 1).max().unwrap_or(1);
    let fastest: Vec<Option<i64>> = (0..parts)
        .map(|p| s.official.iter().filter(|o| !qualifying || took_part(s, o, p)).filter_map(|o| bests.best(o, p, t).map(|b| b.0)).min())
        .collect();
    for i in 0..order.len() {
        let (part, best) = (order[i].part, order[i].best_ms);
        order[i].gap_ms = best.zip(fastest[part]).map(|(b, f)| b - f);
        let ahead = i.checked_sub(1).map(|a| &order[a]).filter(|a| a.part == part);
        order[i].interval_ms = ahead.and_then(|a| Some(best? - a.best_ms?));
    }
    order
}

/// How a car's session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Took the flag on the leader's lap.
    Finished,
    /// Took the flag one or more laps down ([`ClassifiedCar::laps_down`]).
    Lapped,
    /// Stopped before the flag.
    Retired,
    /// Completed no lap and never ran after the start.
    DidNotStart,
    /// Qualifying: knocked out in the part [`ClassifiedCar::part`].
    KnockedOut,
    /// Set a time in the part it is ranked by.
    Timed,
    /// Set no time in the part it is ranked by.
    NoTime,
}

/// One car of the final classification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassifiedCar {
    /// Classified position, from 1.
    pub position: u32,
    /// Racing number.
    pub driver: u16,
    /// Three-letter code.
    pub tla: String,
    /// Team name.
    pub team: String,
    /// Laps completed (timed laps; qualifying and practice: laps run).
    pub laps: u32,
    /// How its session ended.
    pub status: Status,
    /// The status in words, as shown ("+1 Lap", "Knocked out in Q2").
    pub status_text: String,
    /// Races: laps behind the winner.
    pub laps_down: u32,
    /// Races: the race time of a car on the winner's lap; qualifying: the best lap in the
    /// deepest part reached; practice: the best lap. ms.
    pub time_ms: Option<i64>,
    /// Races: behind the winner at the flag (cars on the winner's lap); qualifying: behind the
    /// fastest lap of the same part; practice: behind the best lap. ms.
    pub gap_ms: Option<i64>,
    /// Qualifying: the deepest part reached (1 = Q1).
    pub part: Option<u8>,
    /// Qualifying: the best lap in each part (Q1 first; `None` where none or not reached), ms.
    pub part_best_ms: Vec<Option<i64>>,
}

/// The final classification of a session, by its kind.
pub fn classify(s: &Session) -> Vec<ClassifiedCar> {
    if s.info.is_race_like() {
        race(s)
    } else {
        by_best_lap(s)
    }
}

/// A car's row with what every kind shares.
fn row(s: &Session, position: usize, driver: u16, laps: u32) -> ClassifiedCar {
    let d = s.driver(driver);
    ClassifiedCar {
        position: position as u32 + 1,
        driver,
        tla: s.tla(driver),
        team: d.map(|d| d.team_name.clone()).unwrap_or_default(),
        laps,
        status: Status::NoTime,
        status_text: String::new(),
        laps_down: 0,
        time_ms: None,
        gap_ms: None,
        part: None,
        part_best_ms: Vec::new(),
    }
}

/// Races and sprints: the timing's last position per car (cars it never placed after, by
/// laps completed); laps, race time and gaps from the laps.
fn race(s: &Session) -> Vec<ClassifiedCar> {
    struct Car {
        driver: u16,
        laps: u32,
        last_ms: Option<i64>,
        official: u32,
    }
    let mut cars: Vec<Car> = s
        .drivers
        .iter()
        .map(|d| {
            let timed: Vec<&Lap> = s.laps.iter().filter(|l| l.driver == d.number && !l.generated && l.time_ms.is_some()).collect();
            let official = s.official.iter().find(|o| o.driver == d.number).and_then(|o| o.position.last()).map_or(u32::MAX, |p| p.1);
            Car { driver: d.number, laps: timed.len() as u32, last_ms: timed.iter().filter_map(|l| l.time_ms).max(), official }
        })
        .collect();
    cars.sort_by_key(|c| (c.official, std::cmp::Reverse(c.laps), c.last_ms.unwrap_or(i64::MAX), c.driver));
    let start = s.laps.iter().filter(|l| l.lap_number == 1).filter_map(|l| l.lap_start_ms).min().or(s.session_start_ms);
    let leader_laps = cars.iter().map(|c| c.laps).max().unwrap_or(0);
    let leader_last = cars.iter().filter(|c| c.laps == leader_laps).filter_map(|c| c.last_ms).min();
    cars.iter()
        .enumerate()
        .map(|(i, c)| {
            let mut r = row(s, i, c.driver, c.laps);
            r.laps_down = leader_laps.saturating_sub(c.laps);
            let took_flag = matches!((c.last_ms, leader_last), (Some(a), Some(b)) if a >= b);
            let ran = s.official.iter().find(|o| o.driver == c.driver).is_some_and(|o| ran_after_start(o, s.session_start_ms));
            (r.status, r.status_text) = match (c.laps, r.laps_down, took_flag) {
                (0, _, _) if !ran => (Status::DidNotStart, "Did not start".to_owned()),
                (_, 0, _) => (Status::Finished, "Finished".to_owned()),
                (_, 1, true) => (Status::Lapped, "+1 Lap".to_owned()),
                (_, n, true) => (Status::Lapped, format!("+{n} Laps")),
                _ => (Status::Retired, "Retired".to_owned()),
            };
            if r.laps_down == 0 {
                r.time_ms = c.last_ms.zip(start).map(|(l, s0)| l - s0);
                r.gap_ms = c.last_ms.zip(leader_last).map(|(l, b)| l - b);
            }
            r
        })
        .collect()
}

/// Whether the timing saw a car running after the start: a sector or lap completed, a pit
/// exit, or a time behind the leader (which it gives at its timing points on the first lap).
/// A car that completed no lap but ran started, and retired on the first lap.
fn ran_after_start(o: &OfficialTimeline, start: Option<i64>) -> bool {
    let Some(start) = start else { return false };
    o.last_running_ms.is_some_and(|t| t > start) || o.gap_to_leader_ms.iter().any(|g| g.0 > start && g.1.is_some())
}

/// Qualifying and practice: the order at the end of the session ([`best_lap_order`]).
fn by_best_lap(s: &Session) -> Vec<ClassifiedCar> {
    let qualifying = s.info.is_qualifying_like();
    let bests = Bests::new(s);
    let parts = if qualifying { s.part_starts_ms.len().max(1) } else { 0 };
    best_lap_order(s, i64::MAX)
        .into_iter()
        .enumerate()
        .map(|(i, st)| {
            let laps = s.laps.iter().filter(|l| l.driver == st.driver && !l.generated).count() as u32;
            let mut r = row(s, i, st.driver, laps);
            let official = s.official.iter().find(|o| o.driver == st.driver);
            r.time_ms = st.best_ms;
            r.gap_ms = st.gap_ms;
            if qualifying {
                let name = if s.info.session_kind() == SessionKind::SprintQualifying { "SQ" } else { "Q" };
                r.part = Some(st.part as u8 + 1);
                r.part_best_ms = (0..parts)
                    .map(|p| official.filter(|o| took_part(s, o, p)).and_then(|o| bests.best(o, p, i64::MAX)).map(|b| b.0))
                    .collect();
                (r.status, r.status_text) = match (st.knocked_out, st.best_ms) {
                    (true, _) => (Status::KnockedOut, format!("Knocked out in {name}{}", st.part + 1)),
                    (false, Some(_)) => (Status::Timed, String::new()),
                    (false, None) => (Status::NoTime, format!("No time in {name}{}", st.part + 1)),
                };
            } else {
                (r.status, r.status_text) = match st.best_ms {
                    Some(_) => (Status::Timed, String::new()),
                    None => (Status::NoTime, "No time".to_owned()),
                };
            }
            r
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use feed::records::{DriverInfo, SessionInfo};

    fn session(kind: &str, name: &str, official: Vec<OfficialTimeline>) -> Session {
        Session {
            info: SessionInfo { kind: kind.into(), name: name.into(), ..Default::default() },
            drivers: official
                .iter()
                .map(|o| DriverInfo { number: o.driver, tla: format!("C{}", o.driver), ..Default::default() })
                .collect(),
            official,
            ..Default::default()
        }
    }

    fn car(driver: u16) -> OfficialTimeline {
        OfficialTimeline { driver, ..Default::default() }
    }

    fn lap(driver: u16, lap_time_ms: i64, time_ms: i64) -> Lap {
        Lap { driver, lap_time_ms: Some(lap_time_ms), time_ms: Some(time_ms), ..Default::default() }
    }

    fn order(s: &Session, t: i64) -> Vec<u16> {
        best_lap_order(s, t).iter().map(|r| r.driver).collect()
    }

    #[test]
    fn an_out_lap_sets_no_time() {
        // No best laps from the timing: they come from the laps. Car 1's only lap began at the
        // pit exit (a slow 2:18); car 2 has a real lap.
        let mut s = session("Practice", "Practice 1", vec![car(1), car(2)]);
        let out_lap = Lap { pit_out_ms: Some(1_000), ..lap(1, 138_000, 140_000) };
        assert!(!lap_counts(&out_lap, 200_000));
        s.laps = vec![out_lap, lap(2, 90_000, 150_000)];
        let o = best_lap_order(&s, 200_000);
        assert_eq!(o.iter().map(|r| (r.driver, r.best_ms)).collect::<Vec<_>>(), vec![(2, Some(90_000)), (1, None)]);
        // An in lap never crosses the line either; a plain lap counts once reported.
        assert!(!lap_counts(&Lap { pit_in_ms: Some(1), ..lap(1, 90_000, 150_000) }, 200_000));
        assert!(lap_counts(&lap(1, 90_000, 150_000), 150_000) && !lap_counts(&lap(1, 90_000, 150_000), 149_999));
    }

    #[test]
    fn a_deleted_lap_counts_until_the_timing_drops_it() {
        // Car 1's 1:20.000 is deleted by race control at 200 s; the timing drops it (its best
        // becomes 1:21.000) only at 215 s. Car 2 has 1:20.500.
        let mut a = car(1);
        a.best_lap_ms = vec![(100_000, Some(80_000)), (215_000, Some(81_000))];
        let mut b = car(2);
        b.best_lap_ms = vec![(120_000, Some(80_500))];
        let mut s = session("Practice", "Practice 2", vec![a, b]);
        s.laps = vec![Lap { deleted: Some(true), deleted_at_ms: Some(200_000), ..lap(1, 80_000, 100_000) }, lap(2, 80_500, 120_000)];
        assert_eq!(order(&s, 210_000), vec![1, 2], "still counted after race control's message");
        assert_eq!(order(&s, 215_000), vec![2, 1], "dropped when the timing drops it");
        let last = best_lap_order(&s, 215_000);
        assert_eq!((last[1].gap_ms, last[1].interval_ms), (Some(500), Some(500)));
        // A time restored by the timing counts again (no race control message needed).
        s.official[0].best_lap_ms.push((300_000, Some(80_000)));
        assert_eq!(order(&s, 300_000), vec![1, 2]);
    }

    #[test]
    fn qualifying_ranks_by_the_deepest_part_reached_then_the_time_in_it() {
        let q = |v: &[(i64, i64)]| v.iter().map(|&(t, ms)| (t, Some(ms))).collect::<Vec<_>>();
        // Parts start at 0, 1000 and 2000 s. Car 1: fastest in Q1, knocked out as Q2 starts.
        // Car 2: through to Q2, knocked out as Q3 starts. Car 3: in Q3, no time there yet.
        // Car 4: knocked out as Q2 starts, yet the timing sent it a time in Q2's slot: it did not
        // take part in Q2, so it ranks by its Q1 time.
        let mut cars: Vec<OfficialTimeline> = (1..=4).map(car).collect();
        cars[0].part_best_ms = vec![q(&[(500_000, 79_000)])];
        cars[0].knocked_out = vec![(1_000_000, true)];
        cars[1].part_best_ms = vec![q(&[(600_000, 79_600)]), q(&[(1_500_000, 80_000)])];
        cars[1].knocked_out = vec![(2_000_000, true)];
        cars[2].part_best_ms = vec![q(&[(700_000, 79_500)]), q(&[(1_600_000, 79_500)])];
        cars[3].part_best_ms = vec![q(&[(700_000, 79_800)]), q(&[(1_700_000, 78_000)])];
        cars[3].knocked_out = vec![(1_000_000, true)];
        let mut s = session("Qualifying", "Qualifying", cars);
        s.part_starts_ms = vec![0, 1_000_000, 2_000_000];
        assert_eq!(order(&s, 900_000), vec![1, 3, 2, 4], "Q1: by Q1 time");
        assert_eq!(order(&s, 1_800_000), vec![3, 2, 1, 4], "Q2: the cars still in first");
        let end = classify(&s);
        assert_eq!(end.iter().map(|r| r.driver).collect::<Vec<_>>(), vec![3, 2, 1, 4]);
        let p2 = &end[1];
        assert_eq!((p2.part, p2.time_ms, p2.gap_ms), (Some(2), Some(80_000), Some(500)), "gap to the fastest Q2 time");
        assert_eq!(p2.part_best_ms, vec![Some(79_600), Some(80_000), None]);
        assert_eq!((p2.status, p2.status_text.as_str()), (Status::KnockedOut, "Knocked out in Q2"));
        assert_eq!((end[0].status, end[0].status_text.as_str()), (Status::NoTime, "No time in Q3"));
        assert_eq!(end[2].gap_ms, Some(0), "the fastest in Q1");
        assert_eq!(end[3].part_best_ms, vec![Some(79_800), None, None], "no Q2 for a car out before it");
    }

    #[test]
    fn races_classify_as_the_timings_last_positions() {
        // Car 4 completed no lap but the timing gave it a gap on the first lap: it started and
        // retired. Car 5 never ran after the start.
        let mut cars: Vec<OfficialTimeline> = (1..=5).map(car).collect();
        cars[0].position = vec![(0, 1), (5_000, 2)];
        cars[1].position = vec![(0, 2), (5_000, 1)];
        cars[2].position = vec![(0, 3)];
        cars[3].position = vec![(0, 4)];
        cars[3].gap_to_leader_ms = vec![(0, None), (15_000, Some(1_200))];
        cars[4].position = vec![(0, 5)];
        cars[4].gap_to_leader_ms = vec![(0, None)];
        let mut s = session("Race", "Race", cars);
        s.laps = vec![
            lap(2, 90_000, 100_000),
            lap(2, 90_000, 190_000),
            lap(1, 90_000, 101_000),
            lap(1, 90_000, 192_000),
            lap(3, 95_000, 105_000),
        ];
        s.session_start_ms = Some(10_000);
        let r = classify(&s);
        assert_eq!(
            r.iter().map(|r| (r.driver, r.status)).collect::<Vec<_>>(),
            vec![(2, Status::Finished), (1, Status::Finished), (3, Status::Retired), (4, Status::Retired), (5, Status::DidNotStart)]
        );
        assert_eq!((r[0].time_ms, r[1].gap_ms), (Some(180_000), Some(2_000)));
        assert_eq!((r[2].laps_down, r[2].gap_ms), (1, None));
    }
}
