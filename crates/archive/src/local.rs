//! [`LocalSource`]: a folder laid out like the archive (`--data DIR`), or a single session folder.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::index::SeasonIndex;
use crate::path;
use crate::source::Source;

/// Reads raw files from a local copy of the archive:
/// `DIR/2023/Index.json` and `DIR/2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/TimingData.jsonStream`.
///
/// No path given to it can reach outside `DIR`: session paths and file names are validated
/// ([`crate::path`]) and the final file is checked again after resolving symlinks. The raw cache
/// of [`CachedSource`](crate::CachedSource) has the same layout, so it can be read with this too.
#[derive(Debug, Clone)]
pub struct LocalSource {
    /// Canonical root folder.
    root: PathBuf,
}

impl LocalSource {
    /// Opens a local archive folder. Fails when `root` is not an existing folder.
    pub fn new(root: impl AsRef<Path>) -> Result<LocalSource> {
        let root = root.as_ref();
        let canonical = std::fs::canonicalize(root).map_err(|e| Error::io(root, "open data folder", e))?;
        if !canonical.is_dir() {
            return Err(Error::invalid_path(&root.display().to_string(), "not a folder"));
        }
        Ok(LocalSource { root: canonical })
    }

    /// Opens a plain session folder (a folder that directly holds `*.jsonStream` files, e.g. a
    /// download of one session) as a source whose only session has the empty session path `""`.
    ///
    /// Returns the source and that session path, to pass to [`Source::topic`].
    pub fn session_folder(dir: impl AsRef<Path>) -> Result<(LocalSource, String)> {
        let dir = dir.as_ref();
        if !is_session_folder(dir) {
            return Err(Error::invalid_path(&dir.display().to_string(), "not a session folder (no *.jsonStream file directly inside)"));
        }
        Ok((LocalSource::new(dir)?, String::new()))
    }

    /// The canonical root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Topic files (`*.jsonStream`, `*.json`) directly inside a session folder, sorted by name.
    pub fn list_topics(&self, session_path: &str) -> Result<Vec<String>> {
        let session = path::session_path(session_path)?;
        let dir = path::join(&self.root, session);
        path::ensure_dir_within(&self.root, &dir)?;
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, "list", e))? {
            let entry = entry.map_err(|e| Error::io(&dir, "list", e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
            if is_file && (name.ends_with(".jsonStream") || name.ends_with(".json")) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Session paths present in the folder: every `YEAR/MEETING/SESSION/` folder that holds at
    /// least one `*.jsonStream` file, sorted. A listing of what is on disk, for folders without
    /// a season index; it never invents a path.
    pub fn sessions(&self) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for year in subfolders(&self.root, &self.root)? {
            for meeting in subfolders(&self.root, &self.root.join(&year))? {
                for session in subfolders(&self.root, &self.root.join(&year).join(&meeting))? {
                    let rel = format!("{year}/{meeting}/{session}/");
                    if path::session_path(&rel).is_ok() && is_session_folder(&path::join(&self.root, &rel)) {
                        found.push(rel);
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// Reads a validated relative file in a blocking task: symlink check, then read.
    async fn read(&self, relative: String, hint: String) -> Result<Vec<u8>> {
        let root = self.root.clone();
        let task = tokio::task::spawn_blocking(move || {
            let wanted = path::join(&root, &relative);
            let real = path::resolve_existing(&root, &wanted, &hint)?;
            std::fs::read(&real).map_err(|e| Error::io(&wanted, "read", e))
        });
        task.await.map_err(|e| Error::io(&self.root, "read (task failed)", std::io::Error::other(e)))?
    }
}

impl Source for LocalSource {
    async fn season_index(&self, year: u16) -> Result<SeasonIndex> {
        let relative = format!("{year}/Index.json");
        let hint = format!(
            "does not exist: {} has no season index for {year}; look sessions up by path or open a session folder instead",
            self.root.display()
        );
        let bytes = self.read(relative.clone(), hint).await?;
        let location = path::join(&self.root, &relative).display().to_string();
        SeasonIndex::parse_for_year(&bytes, year, &location)
    }

    async fn topic(&self, session_path: &str, file_name: &str) -> Result<Vec<u8>> {
        let session = path::session_path(session_path)?;
        let file = path::file_name(file_name)?;
        let relative = if session.is_empty() { file.to_owned() } else { format!("{session}/{file}") };
        let hint = format!("does not exist: this session folder has no {file}");
        self.read(relative, hint).await
    }
}

/// True when `dir` is a folder that directly holds at least one `*.jsonStream` file.
pub fn is_session_folder(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".jsonStream")) && e.path().is_file())
}

/// Names of the sub-folders of `dir` (none when `dir` is missing) that lie within
/// `canonical_root`: a symbolic link is followed only when it leads to a folder inside it, so a
/// listing never leaves the data folder.
fn subfolders(canonical_root: &Path, dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, "list", e)),
    };
    Ok(entries.flatten().filter(|e| is_dir_within(canonical_root, &e.path())).filter_map(|e| e.file_name().into_string().ok()).collect())
}

/// True when `path` is a folder whose real location (links resolved) is inside `canonical_root`.
pub fn is_dir_within(canonical_root: &Path, path: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|real| real.starts_with(canonical_root) && real.is_dir())
}

impl LocalSource {
    /// Reads one topic file of a session on the calling thread, with the same checks as
    /// [`Source::topic`] (validated names, no link leading out of the folder).
    pub fn topic_blocking(&self, session_path: &str, file_name: &str) -> Result<Vec<u8>> {
        let session = path::session_path(session_path)?;
        let file = path::file_name(file_name)?;
        let relative = if session.is_empty() { file.to_owned() } else { format!("{session}/{file}") };
        let wanted = path::join(&self.root, &relative);
        let real = path::resolve_existing(&self.root, &wanted, "does not exist")?;
        std::fs::read(&real).map_err(|e| Error::io(&wanted, "read", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let session = dir.path().join("2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint");
        std::fs::create_dir_all(&session).unwrap();
        std::fs::write(session.join("LapCount.jsonStream"), b"\xEF\xBB\xBF00:00:01.000{}\r\n").unwrap();
        std::fs::write(
            dir.path().join("2023/Index.json"),
            br#"{"Year":2023,"Meetings":[{"Key":1,"Name":"Azerbaijan Grand Prix","Location":"Baku","Sessions":[{"Key":2,"Type":"Race","Name":"Sprint","Path":"2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/"}]}]}"#,
        )
        .unwrap();
        dir
    }

    #[tokio::test]
    async fn reads_index_and_topics_from_an_archive_shaped_folder() {
        let dir = tree();
        let source = LocalSource::new(dir.path()).unwrap();
        let session = crate::resolve_session(&source, "2023/baku/sprint").await.unwrap();
        let bytes = source.topic(&session.path, "LapCount.jsonStream").await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF00:00:01.000"));
        assert_eq!(source.list_topics(&session.path).unwrap(), ["LapCount.jsonStream"]);
        assert_eq!(source.sessions().unwrap(), [session.path]);
    }

    #[tokio::test]
    async fn a_missing_topic_or_index_is_not_found() {
        let dir = tree();
        let source = LocalSource::new(dir.path()).unwrap();
        let err = source.topic("2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint", "CarData.z.jsonStream").await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert!(err.to_string().contains("CarData.z.jsonStream"), "{err}");
        assert!(source.season_index(2019).await.unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn traversal_is_rejected_before_touching_the_disk() {
        let dir = tree();
        let source = LocalSource::new(dir.path().join("2023")).unwrap();
        for (session, file) in [
            ("../", "Index.json"),
            ("2023-04-30_Azerbaijan_Grand_Prix/../..", "x"),
            ("/etc", "passwd"),
            ("", "../Index.json"),
            ("a\0", "x"),
        ] {
            let err = source.topic(session, file).await.unwrap_err();
            assert!(matches!(err, Error::InvalidPath { .. }), "{session:?} {file:?}: {err}");
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlinks_leading_outside_the_folder_are_rejected() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.jsonStream"), b"secret").unwrap();
        let dir = tree();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("2023/escape")).unwrap();
        let source = LocalSource::new(dir.path()).unwrap();
        let err = source.topic("2023/escape", "secret.jsonStream").await.unwrap_err();
        assert!(matches!(err, Error::InvalidPath { .. }), "{err}");
        assert!(err.to_string().contains("outside"), "{err}");
    }

    #[tokio::test]
    async fn a_plain_session_folder_is_a_session_with_an_empty_path() {
        let dir = tree();
        let folder = dir.path().join("2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint");
        assert!(is_session_folder(&folder));
        assert!(!is_session_folder(dir.path()));
        let (source, session) = LocalSource::session_folder(&folder).unwrap();
        assert_eq!(session, "");
        assert!(source.topic(&session, "LapCount.jsonStream").await.is_ok());
        assert!(LocalSource::session_folder(dir.path()).is_err());
    }

    #[tokio::test]
    async fn the_real_pitwall_tree_lists_its_sessions_and_serves_telemetry() {
        let Some(data) = testkit::data_dir() else {
            return;
        };
        let source = LocalSource::new(data.join("pitwall/livetiming/static")).unwrap();
        let quali = "2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying/";
        assert!(source.sessions().unwrap().iter().any(|s| s == quali));
        let topics = source.list_topics(quali).unwrap();
        assert!(topics.iter().any(|t| t == "CarData.z.jsonStream"), "{topics:?}");
        let car_data = source.topic(quali, "CarData.z.jsonStream").await.unwrap();
        assert!(car_data.len() > 1_000_000);
        // No season index in that tree: sessions are only reachable by path.
        assert!(source.season_index(2025).await.unwrap_err().is_not_found());
    }

    #[cfg(unix)]
    #[test]
    fn listings_never_follow_a_link_out_of_the_folder() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("2025/M/2025-01-01_Race");
        std::fs::create_dir_all(&secret).unwrap();
        std::fs::write(secret.join("SessionInfo.jsonStream"), b"00:00:00.000{}").unwrap();
        let data = tempfile::tempdir().unwrap();
        let inside = data.path().join("2024/M/2024-01-01_Race");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::write(inside.join("SessionInfo.jsonStream"), b"00:00:00.000{}").unwrap();
        std::os::unix::fs::symlink(outside.path().join("2025"), data.path().join("2025")).unwrap();
        std::os::unix::fs::symlink(&secret, data.path().join("2024/M/2024-01-02_Race")).unwrap();
        std::os::unix::fs::symlink(&inside, data.path().join("2024/M/2024-01-03_Race")).unwrap();
        let src = LocalSource::new(data.path()).unwrap();
        let sessions = src.sessions().unwrap();
        assert_eq!(sessions, vec!["2024/M/2024-01-01_Race/".to_string(), "2024/M/2024-01-03_Race/".to_string()]);
        assert!(src.topic_blocking("2024/M/2024-01-02_Race/", "SessionInfo.jsonStream").is_err());
        assert!(src.topic_blocking("2024/M/2024-01-01_Race/", "SessionInfo.jsonStream").is_ok());
    }
}
