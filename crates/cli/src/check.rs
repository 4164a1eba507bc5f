//! Differential check against FastF1's output (`ffharness`): laps and telemetry agreement.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use timing::Session;

/// A CSV file read as header + rows of strings (quoted fields supported).
pub struct Csv {
    /// Column names.
    pub header: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads a CSV file; the error names the file.
    pub fn read(path: &Path) -> Result<Csv, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut lines = text.lines().map(split_csv);
        let header = lines.next().ok_or_else(|| format!("{}: empty file", path.display()))?;
        Ok(Csv { header, rows: lines.collect() })
    }
    /// Index of a column; the error names it.
    pub fn col(&self, name: &str) -> Result<usize, String> {
        self.header.iter().position(|h| h == name).ok_or_else(|| format!("no column {name}"))
    }
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn ms(s: &str) -> Option<i64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then(|| (v * 1000.0).round() as i64)
}

fn num(s: &str) -> Option<f64> {
    s.trim().parse().ok().filter(|v: &f64| v.is_finite())
}

/// Agreement of one field over the matched laps.
#[derive(Default)]
struct FieldScore {
    equal: usize,
    total: usize,
    mismatches: Vec<String>,
}

/// The outcome of comparing our laps with FastF1's.
pub struct LapsReport {
    /// Text report.
    pub text: String,
    /// Laps present in both.
    pub matched: usize,
    /// Share of laps where every timed field agrees to the ms.
    pub timing_share: f64,
    /// Whether Compound, TyreLife, Stint and Deleted agree on every lap and lap counts agree.
    pub categorical_all_equal: bool,
}

/// Compares our laps with FastF1's `laps.csv`.
pub fn compare_laps(session: &Session, fastf1_laps: &Path, max_listed: usize) -> Result<LapsReport, String> {
    let csv = Csv::read(fastf1_laps)?;
    let c = |n: &str| csv.col(n);
    let (cd, cl) = (c("DriverNumber")?, c("LapNumber")?);
    let timed = ["LapTime", "Sector1Time", "Sector2Time", "Sector3Time", "Time", "PitInTime", "PitOutTime"];
    let categorical = ["Compound", "TyreLife", "Stint", "Deleted"];
    let race_like = session.info.is_race_like();
    let mut theirs: BTreeMap<(u16, u32), &Vec<String>> = BTreeMap::new();
    for r in &csv.rows {
        let (Some(d), Some(l)) = (r.get(cd).and_then(|s| s.parse().ok()), r.get(cl).and_then(|s| num(s))) else { continue };
        theirs.insert((d, l as u32), r);
    }
    let ours: BTreeMap<(u16, u32), &timing::laps::Lap> = session.laps.iter().map(|l| ((l.driver, l.lap_number), l)).collect();
    let mut text = String::new();
    let mut scores: BTreeMap<&str, FieldScore> = BTreeMap::new();
    let mut all_timed_equal = 0usize;
    let mut matched = 0usize;
    let mut count_mismatch = Vec::new();
    let mut drivers: Vec<u16> = theirs.keys().map(|k| k.0).chain(ours.keys().map(|k| k.0)).collect();
    drivers.sort_unstable();
    drivers.dedup();
    for d in &drivers {
        let a = ours.keys().filter(|k| k.0 == *d).count();
        let b = theirs.keys().filter(|k| k.0 == *d).count();
        if a != b {
            count_mismatch.push(format!("driver {d}: {a} laps here, {b} in FastF1"));
        }
    }
    for (key, r) in &theirs {
        let Some(l) = ours.get(key) else { continue };
        matched += 1;
        let mut all_equal = true;
        for f in timed.iter().chain(categorical.iter()).chain(if race_like { ["Position"].iter() } else { [].iter() }) {
            let col = c(f)?;
            let theirs_v = r.get(col).map(String::as_str).unwrap_or("");
            let (equal, ours_s) = match *f {
                "LapTime" | "Sector1Time" | "Sector2Time" | "Sector3Time" | "Time" | "PitInTime" | "PitOutTime" => {
                    let ov = match *f {
                        "LapTime" => l.lap_time_ms,
                        "Sector1Time" => l.sector_ms[0],
                        "Sector2Time" => l.sector_ms[1],
                        "Sector3Time" => l.sector_ms[2],
                        "Time" => l.time_ms,
                        "PitInTime" => l.pit_in_ms,
                        _ => l.pit_out_ms,
                    };
                    (ov == ms(theirs_v), crate::lapstable::secs(ov))
                }
                "Compound" => {
                    let t = if theirs_v == "nan" { "" } else { theirs_v };
                    (l.compound == t, l.compound.clone())
                }
                "TyreLife" => (l.tyre_life.map(f64::from) == num(theirs_v), format!("{:?}", l.tyre_life)),
                "Stint" => (l.stint.map(f64::from) == num(theirs_v), format!("{:?}", l.stint)),
                "Position" => (l.position.map(f64::from) == num(theirs_v), format!("{:?}", l.position)),
                _ => {
                    let o = match l.deleted {
                        Some(true) => "True",
                        Some(false) => "False",
                        None => "",
                    };
                    (o == theirs_v, o.to_string())
                }
            };
            let s = scores.entry(f).or_default();
            s.total += 1;
            if equal {
                s.equal += 1;
            } else {
                if timed.contains(f) {
                    all_equal = false;
                }
                s.mismatches.push(format!("driver {} lap {}: {f} here {ours_s:?}, FastF1 {theirs_v:?}", key.0, key.1));
            }
        }
        if all_equal {
            all_timed_equal += 1;
        }
    }
    let only_ours = ours.keys().filter(|k| !theirs.contains_key(k)).count();
    let only_theirs = theirs.keys().filter(|k| !ours.contains_key(k)).count();
    let _ = writeln!(
        text,
        "laps: {} here, {} in FastF1, {matched} in both, {only_ours} only here, {only_theirs} only in FastF1",
        ours.len(),
        theirs.len()
    );
    for m in &count_mismatch {
        let _ = writeln!(text, "  lap count differs: {m}");
    }
    let timing_share = if matched == 0 { 0.0 } else { all_timed_equal as f64 / matched as f64 };
    let _ = writeln!(text, "all timed fields equal to the ms: {all_timed_equal}/{matched} laps ({:.2}%)", timing_share * 100.0);
    let mut categorical_all_equal = count_mismatch.is_empty() && only_ours == 0 && only_theirs == 0;
    for (f, s) in &scores {
        let _ = writeln!(text, "  {f:<12} {:>5}/{:<5} {:.2}%", s.equal, s.total, 100.0 * s.equal as f64 / s.total.max(1) as f64);
        if categorical.contains(f) && s.equal != s.total {
            categorical_all_equal = false;
        }
        for m in s.mismatches.iter().take(max_listed) {
            let _ = writeln!(text, "      {m}");
        }
        if s.mismatches.len() > max_listed {
            let _ = writeln!(text, "      ... {} more", s.mismatches.len() - max_listed);
        }
    }
    Ok(LapsReport { text, matched, timing_share, categorical_all_equal })
}

/// The outcome of comparing telemetry on FastF1's fastest laps.
pub struct TelemetryReport {
    /// Text report.
    pub text: String,
    /// Share of car samples with speed within 1 km/h.
    pub speed_share: f64,
    /// Share of position samples with X and Y within 1 m.
    pub xy_share: f64,
    /// Largest relative lap-distance difference.
    pub worst_distance_rel: f64,
}

/// Compares our telemetry with FastF1's `tel/*.csv` (each driver's fastest lap): speed at
/// FastF1's car samples, X/Y at its position samples, and the lap distance.
pub fn compare_telemetry(session: &Session, tel_dir: &Path) -> Result<TelemetryReport, String> {
    let index = Csv::read(&tel_dir.join("index.csv"))?;
    let (cn, cl, cf) = (index.col("DriverNumber")?, index.col("LapNumber")?, index.col("file")?);
    let mut text = String::new();
    let (mut sp_ok, mut sp_n, mut xy_ok, mut xy_n) = (0usize, 0usize, 0usize, 0usize);
    let mut worst_dist = 0f64;
    for r in &index.rows {
        let (Some(drv), Some(lap_n)) = (r.get(cn).and_then(|s| s.parse::<u16>().ok()), r.get(cl).and_then(|s| num(s))) else { continue };
        let Some(file) = r.get(cf) else { continue };
        let path = tel_dir.join(Path::new(file).file_name().unwrap_or_default());
        let tel = Csv::read(&path)?;
        let Some(ours) = session.telemetry_of(drv) else {
            let _ = writeln!(text, "  driver {drv}: no telemetry here");
            continue;
        };
        let (ct, cs, cx, cy, csrc, cd) =
            (tel.col("SessionTime")?, tel.col("Speed")?, tel.col("X")?, tel.col("Y")?, tel.col("Source")?, tel.col("Distance")?);
        let (mut d_sp_ok, mut d_sp_n, mut d_xy_ok, mut d_xy_n, mut worst_xy) = (0, 0, 0, 0, 0f64);
        for row in &tel.rows {
            let Some(t) = row.get(ct).and_then(|s| ms(s)) else { continue };
            match row.get(csrc).map(String::as_str) {
                Some("car") => {
                    let (Some(v), o) = (row.get(cs).and_then(|s| num(s)), ours.speed_at(t)) else { continue };
                    if o.is_nan() {
                        continue;
                    }
                    d_sp_n += 1;
                    if (f64::from(o) - v).abs() <= 1.0 {
                        d_sp_ok += 1;
                    }
                }
                Some("pos") => {
                    let (Some(x), Some(y)) = (row.get(cx).and_then(|s| num(s)), row.get(cy).and_then(|s| num(s))) else { continue };
                    let (ox, oy) = ours.xy_at(t);
                    if ox.is_nan() {
                        continue;
                    }
                    // FastF1's X/Y are in 1/10 m.
                    let err = ((f64::from(ox) - x / 10.0).powi(2) + (f64::from(oy) - y / 10.0).powi(2)).sqrt();
                    worst_xy = worst_xy.max(err);
                    d_xy_n += 1;
                    if err <= 1.0 {
                        d_xy_ok += 1;
                    }
                }
                _ => {}
            }
        }
        let their_dist = tel.rows.last().and_then(|r| r.get(cd)).and_then(|s| num(s)).unwrap_or(f64::NAN);
        let lap = session.laps.iter().find(|l| l.driver == drv && f64::from(l.lap_number) == lap_n);
        let our_dist = lap.and_then(|l| Some((l, l.time_ms?))).map(|(l, end)| {
            let i = ours.index_at(end + 1).saturating_sub(1);
            f64::from(timing::telemetry::lap_distance(ours, &[l])[i])
        });
        let rel = our_dist.map(|d| ((d - their_dist) / their_dist).abs()).unwrap_or(f64::NAN);
        if rel.is_finite() {
            worst_dist = worst_dist.max(rel);
        } else {
            worst_dist = f64::INFINITY;
        }
        let _ = writeln!(
            text,
            "  driver {drv:>2} lap {lap_n:>2}: speed {d_sp_ok}/{d_sp_n} within 1 km/h, X/Y {d_xy_ok}/{d_xy_n} within 1 m (worst {worst_xy:.2} m), distance {:.1} m vs {their_dist:.1} m ({:.3}%)",
            our_dist.unwrap_or(f64::NAN),
            rel * 100.0
        );
        sp_ok += d_sp_ok;
        sp_n += d_sp_n;
        xy_ok += d_xy_ok;
        xy_n += d_xy_n;
    }
    let speed_share = sp_ok as f64 / sp_n.max(1) as f64;
    let xy_share = xy_ok as f64 / xy_n.max(1) as f64;
    let _ = writeln!(
        text,
        "telemetry: speed within 1 km/h at {sp_ok}/{sp_n} car samples ({:.2}%), X/Y within 1 m at {xy_ok}/{xy_n} position samples ({:.2}%), worst lap distance difference {:.3}%",
        speed_share * 100.0,
        xy_share * 100.0,
        worst_dist * 100.0
    );
    Ok(TelemetryReport { text, speed_share, xy_share, worst_distance_rel: worst_dist })
}
