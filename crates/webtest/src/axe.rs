//! Accessibility checks with axe-core, injected into the page under test. axe-core is not part
//! of the product: `.ci/run` fetches its npm package into a cache and sets `F1REPLAY_AXE_JS` to
//! its `axe.min.js`; without it the check says it skipped (a failure under
//! `F1REPLAY_REQUIRE_DATA` or `F1REPLAY_REQUIRE_BROWSER`).

use std::path::PathBuf;

use serde_json::Value;

use crate::page::Page;
use crate::{Error, Result};

/// The axe-core release `.ci/run` fetches.
pub const AXE_VERSION: &str = "4.14.1";

/// Where axe-core's `axe.min.js` is: `$F1REPLAY_AXE_JS`, else the cache `.ci/run` fills.
pub fn axe_js() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("F1REPLAY_AXE_JS").map(PathBuf::from) {
        return p.is_file().then_some(p);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let p = home.join(format!(".cache/f1replay/axe-core-{AXE_VERSION}/package/axe.min.js"));
    p.is_file().then_some(p)
}

/// One axe rule broken on the page, with up to five elements that break it.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule (`color-contrast`, `button-name`...).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    /// What the rule asks.
    pub help: String,
    /// CSS selectors of offending elements, with axe's reason for the first check.
    pub nodes: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {} at {}", self.id, self.impact, self.help, self.nodes.join(", "))
    }
}

/// Runs axe-core on the page as it is now and returns its violations; `Ok(None)` (after saying
/// so, or failing when inputs are required) when axe-core is not installed.
pub async fn check(page: &Page) -> Result<Option<Vec<Violation>>> {
    let Some(path) = axe_js() else {
        if std::env::var_os("F1REPLAY_REQUIRE_BROWSER").is_some() || testkit::required() {
            return Err(Error::new("axe-core is required but missing: set F1REPLAY_AXE_JS (.ci/run fetches it)"));
        }
        println!("skipped: accessibility check (no axe-core; .ci/run fetches it, or set F1REPLAY_AXE_JS)");
        return Ok(None);
    };
    let src = std::fs::read_to_string(&path).map_err(|e| Error::new(format!("reading {}: {e}", path.display())))?;
    let loaded = page.eval("typeof window.axe === 'object'").await?;
    if loaded != Value::Bool(true) {
        page.eval(&format!("(() => {{ {src}\n; return typeof window.axe; }})()")).await?;
    }
    let v = page
        .eval(
            "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact || '', \
             help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + (n.any && n.any[0] ? ' [' + n.any[0].message + ']' : '')) })))",
        )
        .await?;
    let list = v.as_array().ok_or_else(|| Error::new(format!("axe.run gave {v}")))?;
    Ok(Some(
        list.iter()
            .map(|x| Violation {
                id: x["id"].as_str().unwrap_or_default().to_string(),
                impact: x["impact"].as_str().unwrap_or_default().to_string(),
                help: x["help"].as_str().unwrap_or_default().to_string(),
                nodes: x["nodes"].as_array().map(|a| a.iter().filter_map(|n| n.as_str().map(String::from)).collect()).unwrap_or_default(),
            })
            .collect(),
    ))
}

/// The serious and critical violations (what the tests fail on), all printed.
pub async fn serious(page: &Page, what: &str) -> Result<Vec<Violation>> {
    let Some(all) = check(page).await? else { return Ok(Vec::new()) };
    println!("axe on {what}: {} violations ({} serious or critical)", all.len(), all.iter().filter(|v| is_serious(v)).count());
    for v in &all {
        println!("  {v}");
    }
    Ok(all.into_iter().filter(is_serious).collect())
}

fn is_serious(v: &Violation) -> bool {
    v.impact == "serious" || v.impact == "critical"
}
