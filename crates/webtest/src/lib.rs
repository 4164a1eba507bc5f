//! Browser tests of f1replay's web UI, driven from `cargo test`.
//!
//! A [`Browser`] is a headless Chromium started with `--remote-debugging-port=0` (the DevTools
//! address is read from its stderr) and spoken to over the Chrome DevTools Protocol by a small
//! client ([`cdp::Connection`]): one WebSocket, commands matched to answers by id, events
//! collected as they come. A [`Page`] is one tab: navigate, evaluate JavaScript (awaiting
//! promises), wait for a condition, press keys, click, take screenshots; every console error,
//! uncaught exception and error log entry of the page is recorded so a test can fail on any.
//!
//! The tests in `tests/` start the real f1replay server on a loopback port and drive the UI
//! through the page's test hook `window.f1replay`. Without Chromium they print
//! `skipped: no chromium` and pass; CI installs it (`apt-get install -y chromium`).
//!
//! ```no_run
//! # async fn demo() -> webtest::Result<()> {
//! let Some(browser) = webtest::Browser::launch().await? else { return Ok(()) };
//! let page = browser.page().await?;
//! page.navigate("http://127.0.0.1:8080/").await?;
//! let title = page.eval("document.title").await?;
//! page.screenshot(std::path::Path::new("/tmp/shot.png")).await?;
//! assert!(page.errors().is_empty(), "{title}");
//! # Ok(()) }
//! ```

pub mod axe;
pub mod browser;
pub mod cdp;
pub mod harness;
pub mod page;

pub use browser::Browser;
pub use page::Page;

/// What went wrong while driving the browser, in words.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// An error with a message.
    pub fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
