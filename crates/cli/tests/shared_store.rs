//! Stateless servers sharing one bucket of a real S3-compatible server (moto, started here):
//! real `f1replay serve` processes, real HTTP.
//!
//! - 100 concurrent first requests for one session, split across two servers: exactly one
//!   build between them, and both serve identical chunk bytes and ETags.
//! - The builder killed (`kill -9`) mid-build: the other server takes its lease over once it
//!   expires and finishes the build; a server started afterwards serves the same bytes.
//! - The builder hung (`kill -STOP`) mid-build: the same takeover, exactly one result object;
//!   woken (`kill -CONT`), it does not overwrite it, and both serve identical chunks and ETags.
//! - A missing bucket or refused credentials: `serve` and `build` exit non-zero and say why
//!   (on moto, and on Azurite for `az://`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_f1replay");
const SESSION: &str = "sim-race";

/// One `f1replay serve` process on `store`, stopped (killed) when dropped.
struct Serve {
    child: Child,
    url: String,
    _cache: tempfile::TempDir,
}

impl Serve {
    fn start(s3: &testkit::S3Server, store: &str, lease_seconds: f64) -> Serve {
        let cache = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--offline", "--addr", "127.0.0.1:0", "--store", store, "--lease-seconds", &lease_seconds.to_string()])
            .arg("--cache-dir")
            .arg(cache.path())
            .envs(s3.env())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start f1replay serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("serve exited before listening").unwrap();
            if let Some(rest) = line.split_once("serving on ").map(|(_, r)| r) {
                break rest.split_whitespace().next().unwrap().trim_end_matches('/').to_owned();
            }
        };
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Serve { child, url, _cache: cache }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON answer of `GET {server}{path}`.
async fn get_json(client: &reqwest::Client, server: &Serve, path: &str) -> serde_json::Value {
    let body = client.get(format!("{}{path}", server.url)).send().await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{path}: not JSON: {e}"))
}

async fn builds(client: &reqwest::Client, server: &Serve) -> u64 {
    get_json(client, server, "/api/health").await["builds"].as_u64().unwrap()
}

/// Every chunk of the session from `server`: (bytes as sent with identity coding, ETag).
async fn chunks(client: &reqwest::Client, server: &Serve) -> Vec<(Vec<u8>, String)> {
    let manifest = get_json(client, server, &format!("/api/sessions/{SESSION}")).await;
    let count = manifest["chunks"].as_array().unwrap().len();
    assert!(count > 10, "a race has more than 10 chunks");
    let mut out = Vec::new();
    for n in 0..count {
        let r =
            client.get(format!("{}/api/sessions/{SESSION}/chunks/{n}", server.url)).header("accept-encoding", "zstd").send().await.unwrap();
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        out.push((r.bytes().await.unwrap().to_vec(), etag));
    }
    out
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_build_a_session_once_and_serve_the_same_bytes() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("replays");
    let store = "s3://replays/once";
    let servers = [Serve::start(&s3, store, 10.0), Serve::start(&s3, store, 10.0)];
    let client = client();
    let requests = (0..100).map(|i| {
        let (client, url) = (client.clone(), format!("{}/api/sessions/{SESSION}", servers[i % 2].url));
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "{:?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());
    assert!(answers.iter().all(|(_, body)| body == &answers[0].1), "the servers answered different manifests");
    let (a, b) = (builds(&client, &servers[0]).await, builds(&client, &servers[1]).await);
    println!("builds: {a} + {b}");
    assert_eq!(a + b, 1, "100 first requests over two servers on one bucket built {a} + {b} times");
    let bucket = bucket::Bucket::open_with(store, &s3.env()).unwrap();
    let stored = bucket.list("replay").await.unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(bucket.list("lease").await.unwrap().is_empty(), "the builder released its lease");
    assert_eq!(chunks(&client, &servers[0]).await, chunks(&client, &servers[1]).await);
}

/// Two servers on `store` (lease `lease_s`): the first is asked first and holds the build's
/// lease, then the second is asked and waits on it. The answers are still coming.
struct Race {
    bucket: bucket::Bucket,
    first: Serve,
    second: Serve,
    asked_first: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
    asked_second: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
}

async fn race(s3: &testkit::S3Server, store: &str, lease_s: f64, client: &reqwest::Client) -> Race {
    let bucket = bucket::Bucket::open_with(store, &s3.env()).unwrap();
    let first = Serve::start(s3, store, lease_s);
    let second = Serve::start(s3, store, lease_s);
    let asked_first = tokio::spawn(client.get(format!("{}/api/sessions/{SESSION}", first.url)).send());
    let holder = loop {
        if let Some(lease) = bucket.list("lease").await.unwrap().first() {
            let body = bucket.get(&lease.key).await.unwrap().unwrap();
            break serde_json::from_slice::<bucket::lease::Holder>(&body).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!(holder.pid, first.pid(), "the server asked first holds the lease");
    let asked_second = tokio::spawn(client.get(format!("{}/api/sessions/{SESSION}", second.url)).send());
    Race { bucket, first, second, asked_first, asked_second }
}

/// Sends `signal` to `pid`.
fn signal(signal: &str, pid: u32) {
    assert!(Command::new("kill").args([signal, &pid.to_string()]).status().unwrap().success(), "kill {signal} {pid}");
}

/// The builder's last lease right after it was stopped or killed (no renewal can follow):
/// nobody may take over before it expires. Also checks the builder was stopped mid-build.
async fn last_lease(bucket: &bucket::Bucket) -> bucket::lease::Holder {
    let last = bucket.list("lease").await.unwrap().last().cloned().expect("the builder's lease");
    assert!(
        bucket.list("replay").await.unwrap().is_empty(),
        "the builder had written the replay before it was stopped: this test did not stop it mid-build"
    );
    serde_json::from_slice(&bucket.get(&last.key).await.unwrap().unwrap()).unwrap()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_builder_is_taken_over_after_its_lease_expires() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("replays");
    let (store, lease_s, client) = ("s3://replays/takeover", 2.0, client());
    let Race { bucket, first, second, asked_first, asked_second } = race(&s3, store, lease_s, &client).await;
    signal("-9", first.pid());
    let killed_at = std::time::Instant::now();
    let dead = last_lease(&bucket).await;
    assert!(asked_first.await.unwrap().is_err(), "the killed server answered");
    let answer = asked_second.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    println!("the second server answered {:.2} s after the kill (lease {lease_s} s)", killed_at.elapsed().as_secs_f64());
    assert!(now_ms() >= dead.expires_unix_ms, "answered before the dead builder's lease expired");
    assert_eq!(builds(&client, &second).await, 1);
    assert_eq!(bucket.list("replay").await.unwrap().len(), 1);
    assert!(bucket.list("lease").await.unwrap().is_empty(), "the server that took over released the lease");
    drop(first);
    let third = Serve::start(&s3, store, lease_s);
    assert_eq!(chunks(&client, &second).await, chunks(&client, &third).await);
    assert_eq!(builds(&client, &third).await, 0, "a server started afterwards opens the stored replay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hung_builder_is_taken_over_and_when_it_wakes_does_not_overwrite_the_result() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("replays");
    let (store, lease_s, client) = ("s3://replays/hung", 2.0, client());
    let Race { bucket, first, second, asked_first, asked_second } = race(&s3, store, lease_s, &client).await;
    // The builder hangs without dying: its process stopped, its connections open.
    signal("-STOP", first.pid());
    let stopped_at = std::time::Instant::now();
    let hung = last_lease(&bucket).await;
    let answer = asked_second.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    println!("the second server answered {:.2} s after the builder hung (lease {lease_s} s)", stopped_at.elapsed().as_secs_f64());
    assert!(now_ms() >= hung.expires_unix_ms, "answered before the hung builder's lease expired");
    assert_eq!(builds(&client, &second).await, 1);
    let stored = bucket.list("replay").await.unwrap();
    assert_eq!(stored.len(), 1, "exactly one result object: {stored:?}");

    // It wakes: it finishes its own build, finds the result there, and serves that one.
    signal("-CONT", first.pid());
    let answer = asked_first.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    println!("builds: hung-then-woken {}, taker-over {}", builds(&client, &first).await, builds(&client, &second).await);
    let after = bucket.list("replay").await.unwrap();
    assert_eq!(after, stored, "the woken builder rewrote the result object (its ETag changed)");
    assert_eq!(chunks(&client, &first).await, chunks(&client, &second).await, "the two servers serve different chunk bytes or ETags");
}

#[test]
fn a_missing_bucket_or_refused_credentials_stop_the_commands_with_the_reason() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    let Some(refusing) = testkit::S3Server::start(true) else { return };
    let cases = [(&s3, "s3://no-such-bucket/x", "the bucket does not exist"), (&refusing, "s3://replays/x", "refused the credentials")];
    for (server, store, reason) in cases {
        for args in [&["serve", "--offline", "--addr", "127.0.0.1:0"][..], &["build", "/nonexistent-but-never-read"][..]] {
            let out = Command::new(BIN).args(args).args(["--store", store]).envs(server.env()).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} {store}: {stderr}");
            assert!(stderr.contains(store) && stderr.contains(reason), "{args:?} {store}: {stderr}");
        }
    }
}

#[test]
fn on_azure_a_missing_container_or_a_refused_key_stop_the_commands_with_the_reason() {
    let Some(azure) = testkit::AzureServer::start() else { return };
    azure.create_container("replays");
    let cases = [("az://no-such-container/x", false, "the bucket does not exist"), ("az://replays/x", true, "refused the credentials")];
    for (store, wrong_key, reason) in cases {
        for args in [&["serve", "--offline", "--addr", "127.0.0.1:0"][..], &["build", "/nonexistent-but-never-read"][..]] {
            let out = Command::new(BIN).args(args).args(["--store", store]).envs(azure.env(wrong_key)).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?} {store}: {stderr}");
            assert!(stderr.contains(store) && stderr.contains(reason), "{args:?} {store}: {stderr}");
        }
    }
}

#[test]
fn publish_writes_a_site_to_the_bucket_and_a_second_publish_writes_nothing() {
    let Some(s3) = testkit::S3Server::start(false) else { return };
    s3.create_bucket("site");
    let cache = tempfile::tempdir().unwrap();
    let publish = || {
        let out = Command::new(BIN)
            .args(["publish", "sim-sprint", "--offline", "--out", "s3://site/f1"])
            .arg("--cache-dir")
            .arg(cache.path())
            .envs(s3.env())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let first = publish();
    println!("{first}");
    assert!(first.contains("written") && !first.contains("written 0 files"), "{first}");
    let second = publish();
    println!("{second}");
    assert!(second.contains("written 0 files"), "a second publish of the same session wrote files: {second}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bucket = bucket::Bucket::open_with("s3://site/f1", &s3.env()).unwrap();
    let manifest = rt.block_on(bucket.get("data/sessions/sim-sprint/manifest.json")).unwrap().expect("the manifest");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    for chunk in manifest["chunks"].as_array().unwrap() {
        let name = format!("data/sessions/sim-sprint/chunks/{}.gz", chunk["etag"].as_str().unwrap().trim_matches('"'));
        assert!(rt.block_on(bucket.head(&name)).unwrap().is_some(), "{name} is missing");
    }
    assert!(rt.block_on(bucket.head("static.json")).unwrap().is_some());
    assert!(rt.block_on(bucket.head("index.html")).unwrap().is_some());
}
