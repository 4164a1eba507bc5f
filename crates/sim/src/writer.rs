//! Writing a simulated session to disk, laid out like the archive: the session folder with one
//! file per topic plus `ground_truth.json`, and the season `Index.json` that points at it.
//! Every file is written to a temporary name in its folder and renamed into place, so a reader
//! never sees half a file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::calendar;
use crate::Error;

/// Writes `bytes` to `path` via a temporary file in the same folder and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let io = |source| Error::Io { path: tmp.clone(), source };
    let mut f = fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    fs::rename(&tmp, path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// Creates a folder and its parents.
pub(crate) fn create_dir(path: &Path) -> Result<(), Error> {
    fs::create_dir_all(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// The season index (`<dir>/<year>/Index.json`): the simulated meeting with every simulated
/// session whose folder exists under `dir`, in the archive's shape (BOM + JSON). Other meetings
/// of an existing index (a local copy of the real archive) are kept.
pub(crate) fn season_index(dir: &Path) -> Vec<u8> {
    let year_dir: PathBuf = dir.join(calendar::YEAR.to_string());
    let meeting_dir = calendar::meeting_folder();
    let sessions: Vec<serde_json::Value> = calendar::all_sessions()
        .into_iter()
        .filter(|(_, s)| year_dir.join(&meeting_dir).join(s.folder()).is_dir())
        .map(|(_, s)| {
            let mut v = json!({
                "Key": s.key,
                "Type": s.kind_name,
                "Name": s.name,
                "StartDate": s.start_date(),
                "EndDate": s.end_date(),
                "GmtOffset": calendar::GMT_OFFSET,
                "Path": s.path(),
            });
            if let (Some(n), Some(o)) = (s.number, v.as_object_mut()) {
                o.insert("Number".to_string(), json!(n));
            }
            v
        })
        .collect();
    let meeting = json!({
            "Sessions": sessions,
            "Key": 1299,
            "Code": "SIM0001",
            "Number": 12,
            "Location": "Simulation Park",
            "OfficialName": calendar::OFFICIAL_NAME,
            "Name": calendar::EVENT_NAME,
            "Country": {"Key": 999, "Code": "SIM", "Name": "Simland"},
            "Circuit": {"Key": 999, "ShortName": "Simulation Park"}
    });
    let mut meetings: Vec<serde_json::Value> =
        existing_meetings(&year_dir.join("Index.json")).into_iter().filter(|m| m["Key"] != meeting["Key"]).collect();
    meetings.push(meeting);
    let index = json!({ "Year": calendar::YEAR, "Meetings": meetings });
    let mut out = crate::format::BOM.to_vec();
    out.extend_from_slice(index.to_string().as_bytes());
    out
}

/// Meetings of an existing season index, if there is a readable one.
fn existing_meetings(path: &Path) -> Vec<serde_json::Value> {
    let Ok(bytes) = fs::read(path) else {
        return Vec::new();
    };
    let body = bytes.strip_prefix(crate::format::BOM).unwrap_or(&bytes);
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => match m.remove("Meetings") {
            Some(serde_json::Value::Array(v)) => v,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
