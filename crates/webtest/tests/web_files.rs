//! Checks of the web UI's files that need no browser: every module a module imports exists,
//! the page's own references resolve, and nothing is loaded from another host (the UI must
//! work offline, embedded in the binary).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn js_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(web_dir().join("js"))
        .expect("web/js")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    out.sort();
    out
}

/// The quoted specifiers after `from` and `import(` in a module.
fn imports(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["from '", "import('"] {
        let mut rest = src;
        while let Some(i) = rest.find(marker) {
            rest = &rest[i + marker.len()..];
            if let Some(end) = rest.find('\'') {
                out.push(rest[..end].to_string());
            }
        }
    }
    out
}

#[test]
fn every_imported_module_exists_next_to_its_importer() {
    let files = js_files();
    assert!(files.iter().any(|p| p.ends_with("main.js")), "web/js/main.js exists");
    let mut reached = BTreeSet::new();
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap();
        for spec in imports(&src) {
            // A sibling module, or a vendored library under web/vendor/ (uPlot).
            let vendored = spec.starts_with("../vendor/") && !spec[10..].contains("..");
            assert!(
                (spec.starts_with("./") || vendored) && spec.ends_with(".js"),
                "{}: import '{spec}' is neither a sibling module nor vendored",
                f.display()
            );
            let target = f.parent().unwrap().join(&spec);
            assert!(target.is_file(), "{}: imports {spec}, which does not exist", f.display());
            if !vendored {
                reached.insert(spec[2..].to_string());
            }
        }
    }
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(name == "main.js" || reached.contains(&name), "web/js/{name} is imported by no module");
    }
}

/// Node's syntax check of `file` read as an ES module (`None`: no node on this machine).
/// A plain `node --check file.js` reads it as a script and misses module-only errors such as
/// a name exported twice.
fn module_syntax_error(file: &Path) -> Option<Result<(), String>> {
    let src = std::fs::File::open(file).unwrap();
    let out = std::process::Command::new("node").args(["--input-type=module", "--check"]).stdin(src).output().ok()?;
    Some(if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) })
}

#[test]
fn every_module_parses_as_an_es_module() {
    let mut files = js_files();
    // The vendored modules the UI imports (uPlot's ES build) are parsed too.
    for f in js_files() {
        for spec in imports(&std::fs::read_to_string(&f).unwrap()).into_iter().filter(|s| s.starts_with("../vendor/")) {
            files.push(f.parent().unwrap().join(spec));
        }
    }
    files.sort();
    files.dedup();
    let mut checked = 0;
    for f in &files {
        match module_syntax_error(f) {
            None => {
                testkit::skip("node (to parse web/js as ES modules)");
                return;
            }
            Some(Err(e)) => panic!("{} does not parse as an ES module:\n{e}", f.display()),
            Some(Ok(())) => checked += 1,
        }
    }
    println!("{checked} modules parse as ES modules");
}

#[test]
fn the_page_loads_nothing_from_another_host() {
    let html = std::fs::read_to_string(web_dir().join("index.html")).unwrap();
    for needed in ["style.css", "js/main.js", "vendor/uplot/uPlot.min.css"] {
        assert!(html.contains(needed), "index.html references {needed}");
        assert!(web_dir().join(needed).is_file(), "web/{needed} exists");
    }
    let mut sources = vec![
        (PathBuf::from("index.html"), html),
        (PathBuf::from("style.css"), std::fs::read_to_string(web_dir().join("style.css")).unwrap()),
    ];
    for f in js_files() {
        sources.push((f.clone(), std::fs::read_to_string(&f).unwrap()));
    }
    for (name, src) in sources {
        for bad in ["http://", "https://", "//cdn", "@import url("] {
            assert!(!src.contains(bad), "{} mentions {bad}: the UI must work offline", name.display());
        }
    }
}

#[test]
fn exported_functions_and_classes_carry_a_doc_comment() {
    for f in js_files() {
        let src = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = src.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            if t.starts_with("export function") || t.starts_with("export async function") || t.starts_with("export class") {
                let prev = if i > 0 { lines[i - 1].trim() } else { "" };
                assert!(prev.ends_with("*/"), "{}:{}: `{}` has no JSDoc comment", f.display(), i + 1, t);
            }
        }
    }
}

#[test]
fn vendored_libraries_carry_their_licence() {
    let vendor = web_dir().join("vendor");
    for lib in std::fs::read_dir(&vendor).expect("web/vendor") {
        let dir = lib.unwrap().path();
        assert!(dir.join("LICENSE").is_file(), "{} has no LICENSE", dir.display());
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let readme = std::fs::read_to_string(web_dir().join("README.md")).unwrap();
        assert!(readme.contains(&format!("vendor/{name}")), "web/README.md does not name vendor/{name} (version, licence)");
    }
}
