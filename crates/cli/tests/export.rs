//! `f1replay export` on the simulated race: every table written in every format, and clear
//! failures (non-zero exit, the reason on stderr) for a bad session, a missing topic and an
//! output folder that cannot be written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn f1replay(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_f1replay")).args(args).output().unwrap()
}

/// A simulated race written under `dir`: its session folder.
fn sim_race(dir: &Path) -> PathBuf {
    let out = f1replay(&["sim".as_ref(), "--kind".as_ref(), "race".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let index = walk(dir).into_iter().find(|p| p.ends_with("TimingData.jsonStream")).expect("a session folder");
    index.parent().unwrap().to_path_buf()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_table_is_written_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let session = sim_race(&dir.path().join("sim"));
    for format in ["parquet", "arrow", "csv", "json"] {
        let out = dir.path().join(format);
        let o = f1replay(&[
            "export".as_ref(),
            session.as_os_str(),
            "--format".as_ref(),
            format.as_ref(),
            "--every".as_ref(),
            "25".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        let listing = String::from_utf8_lossy(&o.stdout);
        for table in columns::Table::ALL {
            let file = out.join(format!("{}.{format}", table.name()));
            let len = std::fs::metadata(&file).unwrap_or_else(|_| panic!("{} missing:\n{listing}", file.display())).len();
            assert!(len > 0, "{} is empty", file.display());
            assert!(listing.lines().any(|l| l.starts_with(table.name()) && l.contains(" rows ")), "{listing}");
        }
    }
}

#[test]
fn a_bad_session_fails_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let o = f1replay(&[
        "export".as_ref(),
        "2025/atlantis/race".as_ref(),
        "--data".as_ref(),
        dir.path().as_os_str(),
        "--out".as_ref(),
        dir.path().join("out").as_os_str(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("2025"), "{}", stderr(&o));
}

#[test]
fn a_missing_topic_names_the_table_it_stops_and_the_rest_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let session = sim_race(&dir.path().join("sim"));
    std::fs::remove_file(session.join("CarData.z.jsonStream")).unwrap();
    let out = dir.path().join("out");
    let o = f1replay(&[
        "export".as_ref(),
        session.as_os_str(),
        "--tables".as_ref(),
        "laps,car_data".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("table car_data cannot be made: CarData.z.jsonStream is missing"), "{e}");
    assert!(out.join("laps.parquet").is_file(), "the laps are still written");
    assert!(!out.join("car_data.parquet").exists());
}

#[test]
fn an_unwritable_folder_and_an_unknown_table_or_format_fail_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let o = f1replay(&["export".as_ref(), "no-such-session".as_ref(), "--out".as_ref(), file.join("sub").as_os_str()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--out") && stderr(&o).contains("cannot create the folder"), "{}", stderr(&o));

    let out = dir.path().join("out");
    let o = f1replay(&["export".as_ref(), "x".as_ref(), "--tables".as_ref(), "lapz".as_ref(), "--out".as_ref(), out.as_os_str()]);
    assert!(!o.status.success() && stderr(&o).contains("unknown table \"lapz\""), "{}", stderr(&o));
    let o = f1replay(&["export".as_ref(), "x".as_ref(), "--format".as_ref(), "xlsx".as_ref(), "--out".as_ref(), out.as_os_str()]);
    assert!(!o.status.success() && stderr(&o).contains("unknown format \"xlsx\""), "{}", stderr(&o));
}
