//! Embeds the browser UI (`web/` at the repository root) in the binary: writes
//! `$OUT_DIR/web_files.rs`, a sorted table of `(path, ETag, bytes)` with `include_bytes!`, so
//! new files are picked up without editing code. A missing or empty `web/` gives an empty
//! table (the server then shows a page saying the UI is not built); the build never fails on it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files larger than this are not embedded (the UI is small; this guards against accidents).
const MAX_FILE_BYTES: u64 = 32 << 20;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = std::env::var_os("F1REPLAY_WEB_DIR").map(PathBuf::from).unwrap_or_else(|| manifest_dir.join("../../web"));
    println!("cargo:rerun-if-env-changed=F1REPLAY_WEB_DIR");
    println!("cargo:rerun-if-changed={}", web.display());
    let mut files = Vec::new();
    if let Ok(root) = web.canonicalize() {
        walk(&root, &root, 0, &mut files);
    }
    files.sort();
    let mut out = String::from("/// The embedded web UI: (URL path without the leading '/', strong ETag, bytes), sorted by path.\n");
    out.push_str("pub(crate) static FILES: &[(&str, &str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        let etag = std::fs::read(abs).map(|b| fnv64(&b)).unwrap_or(0);
        let _ = writeln!(out, "    ({rel:?}, \"\\\"w{etag:016x}\\\"\", include_bytes!({:?})),", abs.display().to_string());
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("web_files.rs"), out) {
        println!("cargo:warning=cannot write the embedded web table: {e}");
    }
}

/// Collects servable files: no hidden files, URL-safe names only, bounded depth and size.
fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(String, PathBuf)>) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else { continue };
        if name.starts_with('.') || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.is_dir() {
            walk(root, &path, depth + 1, out);
        } else if meta.is_file() && meta.len() <= MAX_FILE_BYTES {
            if let Ok(rel) = path.strip_prefix(root) {
                let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push((rel.join("/"), path));
            }
        }
    }
}

fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
