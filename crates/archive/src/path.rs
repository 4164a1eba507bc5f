//! Validation of archive-relative paths, so that a session path or a file name taken from an
//! index, a command line or a URL can never reach outside the folder or URL it is joined to.
//!
//! Two layers: [`session_path`] and [`file_name`] check the text (relative, `/`-separated, no
//! `.`/`..` segments, no backslash, NUL, control characters, `:`, `?`, `#` or `%`), and
//! the crate-internal helpers check the real file system after resolving symlinks.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Checks a session path such as `2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/`.
///
/// The path must be relative and made of plain segments separated by `/`; a trailing `/` is
/// allowed (the season index writes one), as is the empty path (the root itself, used for a
/// plain session folder). Returns the path without its trailing `/`.
pub fn session_path(path: &str) -> Result<&str> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if trimmed.is_empty() {
        if path.is_empty() {
            return Ok(trimmed);
        }
        return Err(Error::invalid_path(path, "absolute paths are not allowed"));
    }
    if trimmed.starts_with('/') {
        return Err(Error::invalid_path(path, "absolute paths are not allowed"));
    }
    for segment in trimmed.split('/') {
        check_segment(path, segment)?;
    }
    Ok(trimmed)
}

/// Checks a file name such as `TimingData.jsonStream` or `CarData.z.jsonStream`: one plain
/// path segment, never a path.
pub fn file_name(name: &str) -> Result<&str> {
    if name.contains('/') {
        return Err(Error::invalid_path(name, "a file name cannot contain '/'"));
    }
    check_segment(name, name)?;
    Ok(name)
}

/// Joins an already validated relative path under `root`, segment by segment.
pub(crate) fn join(root: &Path, relative: &str) -> PathBuf {
    let mut out = root.to_path_buf();
    for segment in relative.split('/').filter(|s| !s.is_empty()) {
        out.push(segment);
    }
    out
}

/// Canonicalises `path` (which must exist) and checks that it is still inside `canonical_root`,
/// which catches symlinks pointing elsewhere.
///
/// A missing file gives [`Error::NotFound`] with `hint`.
pub(crate) fn resolve_existing(canonical_root: &Path, path: &Path, hint: &str) -> Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(real) if real.starts_with(canonical_root) => Ok(real),
        Ok(real) => Err(Error::invalid_path(
            &path.display().to_string(),
            format!("resolves to {} outside {} (symlink?)", real.display(), canonical_root.display()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::NotFound { location: path.display().to_string(), hint: hint.to_owned() })
        }
        Err(e) => Err(Error::io(path, "resolve", e)),
    }
}

/// Checks that the existing folder `dir` is inside `canonical_root` after resolving symlinks.
pub(crate) fn ensure_dir_within(canonical_root: &Path, dir: &Path) -> Result<()> {
    let real = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, "resolve", e))?;
    if real.starts_with(canonical_root) {
        Ok(())
    } else {
        Err(Error::invalid_path(
            &dir.display().to_string(),
            format!("resolves to {} outside {} (symlink?)", real.display(), canonical_root.display()),
        ))
    }
}

/// Creates the folder `relative` (validated) under `canonical_root`, one level at a time, and
/// refuses to follow a symlink that leads outside, so nothing is ever created elsewhere.
pub(crate) fn create_dir_within(canonical_root: &Path, relative: &str) -> Result<PathBuf> {
    let mut current = canonical_root.to_path_buf();
    for segment in relative.split('/').filter(|s| !s.is_empty()) {
        current.push(segment);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => ensure_dir_within(canonical_root, &current)?,
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(Error::invalid_path(&current.display().to_string(), "exists and is not a folder")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::create_dir(&current) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(&current, "create folder", e)),
            },
            Err(e) => return Err(Error::io(&current, "inspect", e)),
        }
    }
    ensure_dir_within(canonical_root, &current)?;
    Ok(current)
}

fn check_segment(whole: &str, segment: &str) -> Result<()> {
    let bad = |reason: &str| Err(Error::invalid_path(whole, reason));
    match segment {
        "" => return bad("empty path segment ('//' or leading '/')"),
        "." | ".." => return bad("'.' and '..' segments are not allowed"),
        _ => {}
    }
    for c in segment.chars() {
        match c {
            '\0' => return bad("NUL character"),
            '\\' => return bad("backslash (paths use '/')"),
            // `C:` drive prefixes, and characters that would change the meaning of a URL.
            ':' => return bad("':' is not allowed"),
            '?' | '#' | '%' => return bad("'?', '#' and '%' are not allowed"),
            c if c.is_control() => return bad("control character"),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(path: &str) -> bool {
        matches!(session_path(path), Err(Error::InvalidPath { .. }))
    }

    #[test]
    fn archive_session_paths_are_accepted_and_lose_their_trailing_slash() {
        assert_eq!(
            session_path("2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint/").unwrap(),
            "2023/2023-04-30_Azerbaijan_Grand_Prix/2023-04-29_Sprint"
        );
        assert_eq!(
            session_path("2021/2021-11-14_São_Paulo_Grand_Prix/2021-11-13_Sprint_Qualifying").unwrap(),
            "2021/2021-11-14_São_Paulo_Grand_Prix/2021-11-13_Sprint_Qualifying"
        );
        assert_eq!(session_path("").unwrap(), "");
    }

    #[test]
    fn traversal_absolute_and_odd_characters_are_rejected() {
        for path in [
            "../etc/passwd",
            "a/../../b",
            "a/..",
            "./a",
            "/etc/passwd",
            "/",
            "a//b",
            "a\0b",
            "a\\..\\b",
            "C:/Windows",
            "a/b?x=1",
            "a/b#frag",
            "a/%2e%2e/b",
            "a/b\n",
            "../uat/static/2022/2022-03-27_Saudi_Arabian_Grand_Prix/2022-03-24_FOM_High_Speed_Track_Test/",
        ] {
            assert!(rejected(path), "{path:?} should be rejected");
        }
    }

    #[test]
    fn rejection_message_names_the_path() {
        let err = session_path("a/../../b").unwrap_err().to_string();
        assert!(err.contains("a/../../b"), "{err}");
    }

    #[test]
    fn file_names_are_single_segments() {
        assert_eq!(file_name("CarData.z.jsonStream").unwrap(), "CarData.z.jsonStream");
        for name in ["", ".", "..", "a/b", "../x", "/x", "x\0", "x\\y"] {
            assert!(file_name(name).is_err(), "{name:?} should be rejected");
        }
    }

    #[test]
    fn join_appends_segments_under_root() {
        let joined = join(Path::new("/data"), "2023/x/");
        assert_eq!(joined, Path::new("/data/2023/x"));
    }
}
