//! The patch topics: TimingData, TimingAppData, DriverList and TimingStats.
//!
//! They are sparse patches: each driver's state is kept as a flat map of JSON paths
//! (`Sectors.0.Value`), and a patch only carries paths whose value changed, so a lap time or
//! sector identical to the previous one is *not* resent (the behaviour FastF1's fill-in rules
//! exist for). The first line of each carries full objects, with list-form arrays (`Sectors`,
//! `Segments`, `Stints`). In races the running order, `GapToLeader` and
//! `IntervalToPositionAhead` are recomputed at every mini-sector crossing from the crossing
//! times, exactly as the timing system would; in other sessions the order is the classification
//! by best lap.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::format::{self, StreamFile};
use crate::log::{Ev, SessionLog};
use crate::world::World;
use crate::SessionKind;

/// Lap times at or above this are not personal bests (the feed's between-runs artefacts).
const PB_LIMIT_MS: i64 = 150_000;

type Sets = Vec<(String, Value)>;

/// One topic being written as patches per driver, grouped into one line per instant.
struct PatchTopic {
    file: StreamFile,
    numbers: Vec<String>,
    state: Vec<BTreeMap<String, Value>>,
    t: i64,
    pending: BTreeMap<usize, Sets>,
    top: Sets,
    /// Wrap driver patches in `{"Lines": ...}` (TimingData, TimingAppData, TimingStats).
    wrap: bool,
}

impl PatchTopic {
    fn new(numbers: &[String], wrap: bool) -> Self {
        PatchTopic {
            file: StreamFile::new(),
            numbers: numbers.to_vec(),
            state: vec![BTreeMap::new(); numbers.len()],
            t: 0,
            pending: BTreeMap::new(),
            top: Vec::new(),
            wrap,
        }
    }

    fn at(&mut self, t: i64) {
        if t != self.t {
            self.flush(false);
            self.t = t;
        }
    }

    /// Stages `path = v` for car `c` at `t` unless the value is unchanged.
    fn set(&mut self, t: i64, c: usize, path: &str, v: Value) {
        self.at(t);
        if self.state[c].get(path) == Some(&v) {
            return;
        }
        self.state[c].insert(path.to_string(), v.clone());
        self.pending.entry(c).or_default().push((path.to_string(), v));
    }

    /// Stages a top-level field (e.g. `SessionPart`).
    fn top(&mut self, t: i64, path: &str, v: Value) {
        self.at(t);
        self.top.push((path.to_string(), v));
    }

    fn flush(&mut self, full: bool) {
        if self.pending.is_empty() && self.top.is_empty() {
            return;
        }
        let mut lines = Map::new();
        for (c, sets) in std::mem::take(&mut self.pending) {
            let mut v = nest(&sets);
            if full {
                v = listify(v);
            }
            lines.insert(self.numbers[c].clone(), v);
        }
        let mut root = if self.wrap {
            let mut m = Map::new();
            m.insert("Lines".to_string(), Value::Object(lines));
            m
        } else {
            lines
        };
        for (k, v) in std::mem::take(&mut self.top) {
            root.insert(k, v);
        }
        let text = serde_json::to_string(&Value::Object(root)).unwrap_or_default();
        self.file.line(self.t, &text);
    }

    /// Writes the pending patch now, with list-form arrays (the first, full line).
    fn flush_full(&mut self) {
        self.flush(true);
    }

    fn finish(mut self) -> Vec<u8> {
        self.flush(false);
        self.file.into_bytes()
    }
}

/// Builds a nested object from dotted paths.
fn nest(sets: &[(String, Value)]) -> Value {
    let mut root = Map::new();
    for (path, v) in sets {
        let parts: Vec<&str> = path.split('.').collect();
        insert_path(&mut root, &parts, v.clone());
    }
    Value::Object(root)
}

fn insert_path(map: &mut Map<String, Value>, parts: &[&str], v: Value) {
    match parts {
        [] => {}
        [leaf] => {
            map.insert((*leaf).to_string(), v);
        }
        [head, rest @ ..] => {
            let entry = map.entry((*head).to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(m) = entry {
                insert_path(m, rest, v);
            }
        }
    }
}

/// Objects keyed "0".."n-1" become arrays (the feed's list form in full objects).
fn listify(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let n = m.len();
            let is_list = n > 0 && (0..n).all(|i| m.contains_key(&i.to_string()));
            if is_list {
                let mut m = m;
                Value::Array((0..n).map(|i| listify(m.remove(&i.to_string()).unwrap_or(Value::Null))).collect())
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, listify(v))).collect())
            }
        }
        other => other,
    }
}

/// Everything derived from the per-car timing events.
pub(crate) struct TimingWriter<'a> {
    w: &'a World,
    kind: SessionKind,
    td: PatchTopic,
    app: PatchTopic,
    dl: PatchTopic,
    stats: PatchTopic,
    // personal and overall bests
    best_lap: Vec<Option<i64>>,
    best_sector: Vec<[Option<i64>; 3]>,
    best_seg: Vec<Vec<Option<i64>>>,
    overall_sector: [Option<i64>; 3],
    overall_seg: Vec<Option<i64>>,
    overall_lap: Option<i64>,
    last_lap: Vec<Option<(u32, i64)>>,
    part: u32,
    // running order (races) or classification (others)
    key: Vec<i64>,
    tie: Vec<i64>,
    /// Qualifying and practice: when the car's best lap was set (equal times rank by who set
    /// theirs first, as the timing ranks them).
    best_set_at: Vec<i64>,
    pos: Vec<usize>,
    crossings: Vec<Vec<i64>>,
    last_interval: Vec<Option<i64>>,
    /// Qualifying: the position a knocked-out car keeps at the bottom.
    knocked: Vec<Option<i64>>,
    total_laps: u32,
}

/// The four patch topics, written.
pub(crate) struct TimingFiles {
    /// TimingData.
    pub(crate) timing: Vec<u8>,
    /// TimingAppData.
    pub(crate) app: Vec<u8>,
    /// DriverList.
    pub(crate) driver_list: Vec<u8>,
    /// TimingStats.
    pub(crate) stats: Vec<u8>,
}

const NOT_CROSSED: i64 = i64::MIN;

impl<'a> TimingWriter<'a> {
    /// Writes the four topics from the log.
    pub(crate) fn run(w: &'a World, log: &SessionLog, kind: SessionKind, numbers: &[String]) -> TimingFiles {
        let n = numbers.len();
        let m = w.track.segments.len();
        let mut tw = TimingWriter {
            w,
            kind,
            td: PatchTopic::new(numbers, true),
            app: PatchTopic::new(numbers, true),
            dl: PatchTopic::new(numbers, false),
            stats: PatchTopic::new(numbers, true),
            best_lap: vec![None; n],
            best_sector: vec![[None; 3]; n],
            best_seg: vec![vec![None; m]; n],
            overall_sector: [None; 3],
            overall_seg: vec![None; m],
            overall_lap: None,
            last_lap: vec![None; n],
            part: 1,
            key: vec![0; n],
            tie: vec![0; n],
            best_set_at: vec![0; n],
            pos: vec![0; n],
            crossings: vec![Vec::new(); n],
            last_interval: vec![None; n],
            knocked: vec![None; n],
            total_laps: log.total_laps.unwrap_or(0),
        };
        // initial order: grid (races) or racing number
        for c in 0..n {
            tw.tie[c] = log.cars[c].grid.map(|g| g as i64).unwrap_or(c as i64 + 1);
        }
        let order = tw.order();
        for (p, &c) in order.iter().enumerate() {
            tw.pos[c] = p + 1;
        }
        tw.initial(log);

        // all events, in time order (ties: car index, then the car's own order)
        let mut all: Vec<(i64, usize, usize)> = Vec::new();
        for (c, car) in log.cars.iter().enumerate() {
            for (i, e) in car.events.iter().enumerate() {
                all.push((e.t, c, i));
            }
        }
        all.sort();
        let mut parts = log.parts.iter().filter(|p| p.1 > 1).peekable();
        for (t, c, i) in all {
            while let Some(&&(pt, part)) = parts.peek() {
                if pt <= t {
                    tw.new_part(pt, part);
                    parts.next();
                } else {
                    break;
                }
            }
            let ev = &log.cars[c].events[i].ev;
            tw.event(t, c, ev);
        }
        for &(pt, part) in parts {
            tw.new_part(pt, part);
        }
        TimingFiles { timing: tw.td.finish(), app: tw.app.finish(), driver_list: tw.dl.finish(), stats: tw.stats.finish() }
    }

    fn race(&self) -> bool {
        self.kind.is_race_like()
    }

    fn order(&self) -> Vec<usize> {
        let mut o: Vec<usize> = (0..self.key.len()).collect();
        o.sort_by(|&a, &b| {
            let (ka, kb) = ((self.key[b], self.tie[a], self.best_set_at[a]), (self.key[a], self.tie[b], self.best_set_at[b]));
            ka.cmp(&kb).then(a.cmp(&b))
        });
        o
    }

    fn initial(&mut self, log: &SessionLog) {
        let w = self.w;
        let n = self.key.len();
        let race = self.race();
        let t_full = if self.kind.is_qualifying_like() {
            // an empty first line, as the archive has, then the full objects
            let sizes = [n, n - n / 4, n / 2];
            let line = json!({"NoEntries": sizes, "SessionPart": 0, "Lines": {}, "Withheld": false});
            self.td.file.line(3_797, &line.to_string());
            self.td.t = 3_797;
            self.td.top(25_579, "NoEntries", json!({"0": sizes[0], "1": sizes[1], "2": sizes[2]}));
            self.td.top(25_579, "SessionPart", json!(1));
            self.td.top(25_579, "CutOffTime", json!(""));
            self.td.top(25_579, "CutOffPercentage", json!("107"));
            25_579
        } else {
            4_180
        };
        let order = self.order();
        for (p, &c) in order.iter().enumerate() {
            let num = w.field.drivers[c].number.clone();
            let pos = p + 1;
            let td = &mut self.td;
            if self.kind.is_qualifying_like() {
                td.set(t_full, c, "KnockedOut", json!(false));
                td.set(t_full, c, "Cutoff", json!(false));
                td.set(t_full, c, "BestLapTimes.0.Value", json!(""));
            }
            if race {
                let lead = if p == 0 { "LAP 1" } else { "" };
                td.set(t_full, c, "GapToLeader", json!(lead));
                td.set(t_full, c, "IntervalToPositionAhead.Value", json!(lead));
                td.set(t_full, c, "IntervalToPositionAhead.Catching", json!(true));
            }
            td.set(t_full, c, "Line", json!(pos));
            td.set(t_full, c, "Position", json!(pos.to_string()));
            td.set(t_full, c, "ShowPosition", json!(race));
            td.set(t_full, c, "RacingNumber", json!(num));
            td.set(t_full, c, "Retired", json!(false));
            td.set(t_full, c, "InPit", json!(!race));
            td.set(t_full, c, "PitOut", json!(false));
            td.set(t_full, c, "Stopped", json!(false));
            td.set(t_full, c, "Status", json!(if race { 0 } else { 272 }));
            td.set(t_full, c, "NumberOfPitStops", json!(0));
            for k in 0..3 {
                let p = format!("Sectors.{k}");
                td.set(t_full, c, &format!("{p}.Stopped"), json!(false));
                td.set(t_full, c, &format!("{p}.Value"), json!(""));
                td.set(t_full, c, &format!("{p}.Status"), json!(0));
                td.set(t_full, c, &format!("{p}.OverallFastest"), json!(false));
                td.set(t_full, c, &format!("{p}.PersonalFastest"), json!(false));
                for i in 0..w.track.segments_per_sector[k] {
                    td.set(t_full, c, &format!("{p}.Segments.{i}.Status"), json!(0));
                }
            }
            for s in ["I1", "I2", "FL", "ST"] {
                td.set(t_full, c, &format!("Speeds.{s}.Value"), json!(""));
                td.set(t_full, c, &format!("Speeds.{s}.Status"), json!(0));
                td.set(t_full, c, &format!("Speeds.{s}.OverallFastest"), json!(false));
                td.set(t_full, c, &format!("Speeds.{s}.PersonalFastest"), json!(false));
            }
            td.set(t_full, c, "BestLapTime.Value", json!(""));
            td.set(t_full, c, "LastLapTime.Value", json!(""));
            td.set(t_full, c, "LastLapTime.Status", json!(0));
            td.set(t_full, c, "LastLapTime.OverallFastest", json!(false));
            td.set(t_full, c, "LastLapTime.PersonalFastest", json!(false));

            // driver list, app data, stats: one full line each
            let d = &w.field.drivers[c];
            let team = &w.field.teams[d.team];
            let dl = &mut self.dl;
            let t_dl = 3_855;
            dl.set(t_dl, c, "RacingNumber", json!(num));
            dl.set(t_dl, c, "BroadcastName", json!(d.broadcast_name()));
            dl.set(t_dl, c, "FullName", json!(format!("{} {}", d.first_name, d.last_name.to_uppercase())));
            dl.set(t_dl, c, "Tla", json!(d.tla));
            dl.set(t_dl, c, "Line", json!(pos));
            dl.set(t_dl, c, "TeamName", json!(team.name));
            dl.set(t_dl, c, "TeamColour", json!(team.colour));
            dl.set(t_dl, c, "FirstName", json!(d.first_name));
            dl.set(t_dl, c, "LastName", json!(d.last_name));
            let reference = format!(
                "{}{}01",
                d.first_name.to_uppercase().chars().take(3).collect::<String>(),
                d.last_name.to_uppercase().chars().take(3).collect::<String>()
            );
            dl.set(t_dl, c, "Reference", json!(reference));
            dl.set(t_dl, c, "HeadshotUrl", json!(""));
            dl.set(t_dl, c, "CountryCode", json!(d.country));
            let app = &mut self.app;
            app.set(t_dl, c, "RacingNumber", json!(num));
            app.set(t_dl, c, "Line", json!(pos));
            if let Some(g) = log.cars[c].grid {
                app.set(t_dl, c, "GridPos", json!(g.to_string()));
            }
            let st = &mut self.stats;
            let t_st = 3_911;
            st.set(t_st, c, "Line", json!(pos));
            st.set(t_st, c, "RacingNumber", json!(num));
            st.set(t_st, c, "PersonalBestLapTime.Value", json!(""));
            for k in 0..3 {
                st.set(t_st, c, &format!("BestSectors.{k}.Value"), json!(""));
            }
            for s in ["I1", "I2", "FL", "ST"] {
                st.set(t_st, c, &format!("BestSpeeds.{s}.Value"), json!(""));
            }
        }
        self.td.top(t_full, "Withheld", json!(false));
        self.td.flush_full();
        self.dl.flush_full();
        self.app.flush_full();
        self.stats.top(3_911, "Withheld", json!(false));
        self.stats.flush_full();
    }

    /// Qualifying part change: bests and values are cleared for everyone.
    fn new_part(&mut self, t: i64, part: u32) {
        self.part = part;
        self.td.top(t, "SessionPart", json!(part));
        for c in 0..self.key.len() {
            let td = &mut self.td;
            td.set(t, c, &format!("BestLapTimes.{}.Value", part - 1), json!(""));
            for k in 0..3 {
                td.set(t, c, &format!("Sectors.{k}.Value"), json!(""));
            }
            td.set(t, c, "Speeds.I1.Value", json!(""));
            td.set(t, c, "Speeds.I2.Value", json!(""));
            td.set(t, c, "BestLapTime.Value", json!(""));
            td.set(t, c, "LastLapTime.Value", json!(""));
            self.best_lap[c] = None;
        }
        self.overall_lap = None;
        self.classify(t);
    }

    fn event(&mut self, t: i64, c: usize, ev: &Ev) {
        let w = self.w;
        match *ev {
            Ev::Segment { lap, seg, ms, pit_lane } => {
                let s = w.track.segments[seg];
                let status = if pit_lane {
                    2064
                } else if let Some(v) = ms {
                    let status = if self.overall_seg[seg].is_none_or(|b| v < b) {
                        self.overall_seg[seg] = Some(v);
                        2051
                    } else if self.best_seg[c][seg].is_none_or(|b| v < b) {
                        2049
                    } else {
                        2048
                    };
                    if self.best_seg[c][seg].is_none_or(|b| v < b) {
                        self.best_seg[c][seg] = Some(v);
                    }
                    status
                } else {
                    2048
                };
                if s.sector == 0 && s.index == 0 {
                    // a new lap: every other mini-sector resets
                    for k in 0..3 {
                        for i in 0..w.track.segments_per_sector[k] {
                            if k != 0 || i != 0 {
                                self.td.set(t, c, &format!("Sectors.{k}.Segments.{i}.Status"), json!(0));
                            }
                        }
                    }
                }
                self.td.set(t, c, &format!("Sectors.{}.Segments.{}.Status", s.sector, s.index), json!(status));
                if self.race() {
                    self.race_crossing(t, c, lap, seg);
                }
            }
            Ev::Sector { sector, ms, .. } => {
                if sector == 0 {
                    for k in 1..3 {
                        self.td.set(t, c, &format!("Sectors.{k}.Value"), json!(""));
                    }
                    self.td.set(t, c, "Speeds.I2.Value", json!(""));
                    self.td.set(t, c, "Speeds.FL.Value", json!(""));
                }
                if let Some(v) = ms {
                    let p = format!("Sectors.{sector}");
                    self.td.set(t, c, &format!("{p}.Value"), json!(format::sector_time(v)));
                    let pb = self.best_sector[c][sector].is_none_or(|b| v < b);
                    let ob = self.overall_sector[sector].is_none_or(|b| v < b);
                    if pb {
                        self.best_sector[c][sector] = Some(v);
                        self.stats.set(t, c, &format!("BestSectors.{sector}.Value"), json!(format::sector_time(v)));
                    }
                    if ob {
                        self.overall_sector[sector] = Some(v);
                    }
                    self.td.set(t, c, &format!("{p}.PersonalFastest"), json!(pb));
                    self.td.set(t, c, &format!("{p}.OverallFastest"), json!(ob));
                }
            }
            Ev::Trap { which, kph } => {
                self.td.set(t, c, &format!("Speeds.{}.Value", which.key()), json!(kph.to_string()));
            }
            Ev::Line { lap, lap_ms, fl_kph, in_pit } => {
                self.td.set(t, c, "NumberOfLaps", json!(lap));
                if !in_pit {
                    self.td.set(t, c, "Speeds.FL.Value", json!(fl_kph.to_string()));
                }
                if let Some(v) = lap_ms {
                    self.td.set(t, c, "LastLapTime.Value", json!(format::lap_time(v)));
                    self.last_lap[c] = Some((lap, v));
                    if v < PB_LIMIT_MS {
                        let pb = self.best_lap[c].is_none_or(|b| v < b);
                        let ob = self.overall_lap.is_none_or(|b| v < b);
                        self.td.set(t, c, "LastLapTime.PersonalFastest", json!(pb));
                        self.td.set(t, c, "LastLapTime.OverallFastest", json!(ob));
                        if ob {
                            self.overall_lap = Some(v);
                        }
                        if pb {
                            self.best_lap[c] = Some(v);
                            if !self.race() {
                                self.best_set_at[c] = t;
                            }
                            let s = format::lap_time(v);
                            self.td.set(t, c, "BestLapTime.Value", json!(s));
                            self.td.set(t, c, "BestLapTime.Lap", json!(lap));
                            if self.kind.is_qualifying_like() {
                                let p = self.part - 1;
                                self.td.set(t, c, &format!("BestLapTimes.{p}.Value"), json!(s));
                                self.td.set(t, c, &format!("BestLapTimes.{p}.Lap"), json!(lap));
                            }
                            self.stats.set(t, c, "PersonalBestLapTime.Value", json!(s));
                            self.stats.set(t, c, "PersonalBestLapTime.Lap", json!(lap));
                            if !self.race() {
                                self.classify(t);
                            }
                        }
                    }
                }
            }
            Ev::PitEntry { stops } => {
                self.td.set(t, c, "InPit", json!(true));
                self.td.set(t, c, "NumberOfPitStops", json!(stops));
            }
            Ev::PitExit => {
                self.td.set(t, c, "InPit", json!(false));
                self.td.set(t, c, "PitOut", json!(true));
                let first = if self.race() { 1 } else { 0 };
                for k in first..3 {
                    self.td.set(t, c, &format!("Sectors.{k}.Value"), json!(""));
                }
                for s in ["I1", "I2", "ST"] {
                    self.td.set(t, c, &format!("Speeds.{s}.Value"), json!(""));
                }
            }
            Ev::PitOutCleared => self.td.set(t, c, "PitOut", json!(false)),
            Ev::Stopped => self.td.set(t, c, "Stopped", json!(true)),
            Ev::Retired => {
                self.td.set(t, c, "Retired", json!(true));
                if self.race() {
                    self.key[c] = -1_000_000_000 + t / 1000;
                    self.tie[c] = 0;
                    self.reorder(t);
                }
            }
            Ev::KnockedOut => {
                self.td.set(t, c, "KnockedOut", json!(true));
                self.knocked[c] = Some(self.pos[c] as i64);
            }
            Ev::LapDeleted { best_ms, .. } => {
                let s = best_ms.map(format::lap_time).unwrap_or_default();
                self.td.set(t, c, "BestLapTime.Value", json!(s));
                if self.kind.is_qualifying_like() {
                    let p = self.part - 1;
                    self.td.set(t, c, &format!("BestLapTimes.{p}.Value"), json!(s));
                }
                self.best_lap[c] = best_ms;
                if !self.race() {
                    self.best_set_at[c] = t;
                }
                self.classify(t);
            }
            Ev::Stint { index, compound, new, start_laps } => {
                let fields = [
                    ("LapFlags", json!(0)),
                    ("Compound", json!(compound.name())),
                    ("New", json!(if new { "true" } else { "false" })),
                    ("TyresNotChanged", json!("0")),
                    ("TotalLaps", json!(start_laps)),
                    ("StartLaps", json!(start_laps)),
                ];
                if index == 0 {
                    // the first stint arrives in list form, as in the archive
                    let obj: Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
                    for (k, v) in &fields {
                        self.app.state[c].insert(format!("Stints.0.{k}"), v.clone());
                    }
                    self.app.at(t);
                    self.app.pending.entry(c).or_default().push(("Stints".to_string(), Value::Array(vec![Value::Object(obj)])));
                } else {
                    for (k, v) in fields {
                        self.app.set(t, c, &format!("Stints.{index}.{k}"), v);
                    }
                }
            }
            Ev::StintLaps { index, total_laps } => {
                self.app.set(t, c, &format!("Stints.{index}.TotalLaps"), json!(total_laps));
                if let Some((lap, ms)) = self.last_lap[c] {
                    self.app.set(t, c, &format!("Stints.{index}.LapTime"), json!(format::lap_time(ms)));
                    self.app.set(t, c, &format!("Stints.{index}.LapNumber"), json!(lap));
                    self.app.set(t, c, &format!("Stints.{index}.LapFlags"), json!(1));
                }
            }
        }
    }

    /// Classification by best lap (qualifying, practice).
    fn classify(&mut self, t: i64) {
        let n = self.key.len();
        for c in 0..n {
            if let Some(p) = self.knocked[c] {
                // knocked-out cars keep their final place below the cars still running
                self.key[c] = -1;
                self.tie[c] = p;
                continue;
            }
            match self.best_lap[c] {
                Some(b) => {
                    self.key[c] = 1;
                    self.tie[c] = b;
                }
                None => {
                    self.key[c] = 0;
                    self.tie[c] = c as i64;
                }
            }
        }
        self.reorder(t);
    }

    fn reorder(&mut self, t: i64) {
        let order = self.order();
        for (p, &c) in order.iter().enumerate() {
            if self.pos[c] != p + 1 {
                self.pos[c] = p + 1;
                self.td.set(t, c, "Line", json!(p + 1));
                self.td.set(t, c, "Position", json!((p + 1).to_string()));
                self.dl.set(t, c, "Line", json!(p + 1));
                self.app.set(t, c, "Line", json!(p + 1));
            }
        }
    }

    /// A race car passes mini-sector `seg` of lap `lap`: order, gap and interval.
    fn race_crossing(&mut self, t: i64, c: usize, lap: u32, seg: usize) {
        let m = self.w.track.segments.len();
        let idx = (lap as usize - 1) * m + seg;
        let cr = &mut self.crossings[c];
        if cr.len() <= idx {
            cr.resize(idx + 1, NOT_CROSSED);
        }
        cr[idx] = t;
        self.key[c] = idx as i64 + 1;
        self.tie[c] = t;
        self.reorder(t);
        let order = self.order();
        let p = self.pos[c] - 1;
        let leader = order[0];
        let mi = m as i64;
        let lap_str = |done: i64, total: u32| -> String {
            let cur = (done / mi + 1).min(total.max(1) as i64);
            format!("LAP {cur}")
        };
        if p == 0 {
            let s = lap_str(self.key[c], self.total_laps);
            self.td.set(t, c, "GapToLeader", json!(s));
            self.td.set(t, c, "IntervalToPositionAhead.Value", json!(s));
            self.last_interval[c] = None;
            return;
        }
        let me = self.key[c];
        if let Some(g) = self.gap_str(leader, me, idx, t) {
            self.td.set(t, c, "GapToLeader", json!(g));
        }
        let ahead = order[p - 1];
        if let Some(g) = self.gap_str(ahead, me, idx, t) {
            if !g.ends_with('L') {
                if let Some(&x) = self.crossings[ahead].get(idx) {
                    let v = t - x;
                    let catching = self.last_interval[c].is_some_and(|prev| v < prev);
                    self.td.set(t, c, "IntervalToPositionAhead.Catching", json!(catching));
                    self.last_interval[c] = Some(v);
                }
            }
            self.td.set(t, c, "IntervalToPositionAhead.Value", json!(g));
        }
    }
}

impl TimingWriter<'_> {
    /// Gap from car `other` to a car with progress `me_key` crossing point `idx` at `t`.
    fn gap_str(&self, other: usize, me_key: i64, idx: usize, t: i64) -> Option<String> {
        let mi = self.w.track.segments.len() as i64;
        let ok = self.key[other];
        if ok >= me_key + mi {
            return Some(format!("{}L", (ok - me_key) / mi));
        }
        let t_o = *self.crossings[other].get(idx)?;
        (t_o != NOT_CROSSED && t_o <= t).then(|| format::gap(t - t_o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nest_and_listify() {
        let sets = vec![
            ("Sectors.0.Value".to_string(), json!("")),
            ("Sectors.1.Value".to_string(), json!("")),
            ("Speeds.I1.Value".to_string(), json!("")),
        ];
        let v = listify(nest(&sets));
        assert_eq!(v, json!({"Sectors": [{"Value": ""}, {"Value": ""}], "Speeds": {"I1": {"Value": ""}}}));
    }

    #[test]
    fn unchanged_values_are_not_resent() {
        let mut p = PatchTopic::new(&["1".to_string()], true);
        p.set(10, 0, "LastLapTime.Value", json!("1:20.000"));
        p.set(20, 0, "LastLapTime.Value", json!("1:20.000"));
        p.set(30, 0, "LastLapTime.Value", json!("1:19.000"));
        let b = p.finish();
        let s = String::from_utf8(b[3..].to_vec()).unwrap();
        assert_eq!(s.lines().count(), 2);
        assert!(s.contains("00:00:00.030"));
        assert!(!s.contains("00:00:00.020"));
    }
}
