//! Generates a session and writes it like the archive, printing the files and the time taken.
//!
//! ```text
//! cargo run --release -p sim --example write_session -- [race|sprint|qualifying|practice] [DIR] [SEED] [LAPS]
//! ```
//! Defaults: a 57-lap race, seed 1, written to `/tmp/sim-data`.

use std::time::Instant;

use sim::{generate, SessionKind, SimConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = match args.first().map(String::as_str).unwrap_or("race") {
        "race" => SessionKind::Race,
        "sprint" => SessionKind::Sprint,
        "qualifying" | "quali" => SessionKind::Qualifying,
        "practice" => SessionKind::Practice,
        other => return Err(format!("unknown session kind {other}").into()),
    };
    let dir = args.get(1).cloned().unwrap_or_else(|| "/tmp/sim-data".to_string());
    let mut config = SimConfig::new(kind);
    if let Some(seed) = args.get(2) {
        config.seed = seed.parse()?;
    }
    if let Some(laps) = args.get(3) {
        config.laps = laps.parse()?;
    }
    let t = Instant::now();
    let sim = generate(&config);
    let gen = t.elapsed();
    let t = Instant::now();
    let folder = sim.write(&dir)?;
    let write = t.elapsed();
    println!("{}", folder.display());
    for f in sim.files() {
        println!("{:>12}  {}", f.bytes.len(), f.name);
    }
    let truth = sim.truth();
    println!(
        "generated in {:.3} s, written in {:.3} s; {} laps of truth, track {:.0} m, reference lap {:.3} s",
        gen.as_secs_f64(),
        write.as_secs_f64(),
        truth.laps.len(),
        truth.session.track_length_m,
        truth.session.reference_lap_ms as f64 / 1000.0
    );
    Ok(())
}
