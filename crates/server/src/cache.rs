//! The caching primitives of the server: a weighted [`Lru`], a [`SharedCache`] that computes
//! each missing value once on the blocking pool however many tasks ask for it, and [`Flights`],
//! the single-flight table that makes concurrent requests for one unbuilt session trigger
//! exactly one build and lets every one of them watch its progress.
//!
//! All locks here are `std::sync::Mutex`es held for a few map operations and never across an
//! `.await`, so they cannot stall the async runtime.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{watch, OnceCell};

use crate::error::ApiError;

/// Locks a mutex, ignoring poisoning: every value behind these locks is left consistent at each
/// step, so a panic elsewhere does not make it unusable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A least-recently-used map bounded by the total weight of its values (bytes, or 1 per entry).
///
/// Inserting evicts the least recently used entries until the total fits the budget; the entry
/// just inserted is always kept, even if it alone is heavier than the budget.
#[derive(Debug)]
pub(crate) struct Lru<K, V> {
    map: HashMap<K, LruEntry<V>>,
    order: BTreeMap<u64, K>,
    tick: u64,
    weight: usize,
    budget: usize,
}

#[derive(Debug)]
struct LruEntry<V> {
    value: V,
    weight: usize,
    tick: u64,
}

impl<K: Eq + Hash + Clone, V: Clone> Lru<K, V> {
    /// An empty cache holding at most `budget` total weight.
    pub(crate) fn new(budget: usize) -> Lru<K, V> {
        Lru { map: HashMap::new(), order: BTreeMap::new(), tick: 0, weight: 0, budget }
    }

    /// The value for `key`, marked as most recently used.
    pub(crate) fn get(&mut self, key: &K) -> Option<V> {
        self.tick += 1;
        let tick = self.tick;
        let entry = self.map.get_mut(key)?;
        self.order.remove(&entry.tick);
        entry.tick = tick;
        self.order.insert(tick, key.clone());
        Some(entry.value.clone())
    }

    /// Inserts or replaces `key`, then evicts old entries beyond the budget.
    pub(crate) fn insert(&mut self, key: K, value: V, weight: usize) {
        self.remove(&key);
        self.tick += 1;
        self.order.insert(self.tick, key.clone());
        self.map.insert(key, LruEntry { value, weight, tick: self.tick });
        self.weight += weight;
        while self.weight > self.budget && self.map.len() > 1 {
            let Some((_, oldest)) = self.order.pop_first() else { break };
            if let Some(e) = self.map.remove(&oldest) {
                self.weight -= e.weight;
            }
        }
    }

    /// Removes `key`; returns its value.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let e = self.map.remove(key)?;
        self.order.remove(&e.tick);
        self.weight -= e.weight;
        Some(e.value)
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Total weight of the entries.
    pub(crate) fn weight(&self) -> usize {
        self.weight
    }

    /// The values, in no particular order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values().map(|e| &e.value)
    }
}

/// A bounded cache whose missing values are computed once, on the blocking pool.
///
/// When many tasks miss the same key at once (two thousand viewers reaching the same frame),
/// one computes and the others wait for its result, so a frame is encoded once per format and a
/// chunk gzipped once, whatever the number of connections.
pub(crate) struct SharedCache<K, V> {
    lru: Mutex<Lru<K, V>>,
    pending: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
    weigh: fn(&V) -> usize,
}

impl<K, V> SharedCache<K, V>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A cache of at most `budget` total weight, values weighed by `weigh`.
    pub(crate) fn new(budget: usize, weigh: fn(&V) -> usize) -> SharedCache<K, V> {
        SharedCache { lru: Mutex::new(Lru::new(budget)), pending: Mutex::new(HashMap::new()), weigh }
    }

    /// The cached value, without computing anything.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        lock(&self.lru).get(key)
    }

    /// The value for `key`; computes it with `compute` on the blocking pool when missing (once,
    /// however many callers miss together). An error is returned to the callers that waited and
    /// not cached.
    pub(crate) async fn get_or_compute<F>(&self, key: K, compute: F) -> Result<V, ApiError>
    where
        F: FnOnce() -> Result<V, ApiError> + Send + 'static,
    {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let cell = lock(&self.pending).entry(key.clone()).or_default().clone();
        let result = cell.get_or_try_init(|| async { tokio::task::spawn_blocking(compute).await? }).await.cloned();
        if let Ok(v) = &result {
            lock(&self.lru).insert(key.clone(), v.clone(), (self.weigh)(v));
        }
        let mut pending = lock(&self.pending);
        if pending.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            pending.remove(&key);
        }
        result
    }

    /// Total weight of the cached values.
    pub(crate) fn weight(&self) -> usize {
        lock(&self.lru).weight()
    }
}

/// Where a build is: a stage name and how far along it is (0..=1).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Progress {
    /// `fetch`, `decode`, `model`, the replay builder's own stages, then `open`.
    pub stage: String,
    /// Fraction of the stage done, 0..=1.
    pub fraction: f32,
}

/// The state of one flight, as seen by everyone waiting for it.
#[derive(Debug, Clone)]
pub(crate) enum FlightState<T> {
    /// Still working.
    Running(Progress),
    /// Finished, with the value or the error every waiter gets.
    Done(Result<T, ApiError>),
}

/// A handle on a running flight: watch it for progress and its result.
pub(crate) type FlightWatch<T> = watch::Receiver<FlightState<T>>;

/// What [`Flights::join_or_start`] found.
pub(crate) enum Joined<T> {
    /// The value was already there (no flight needed).
    Ready(T),
    /// A flight is running (just started or joined); watch it.
    Flight(FlightWatch<T>),
}

/// The single-flight table: at most one running flight (load or build) per key.
pub(crate) struct Flights<T> {
    running: Arc<Mutex<HashMap<String, FlightWatch<T>>>>,
}

impl<T: Clone + Send + Sync + 'static> Flights<T> {
    /// An empty table.
    pub(crate) fn new() -> Flights<T> {
        Flights { running: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Number of running flights.
    pub(crate) fn running(&self) -> usize {
        lock(&self.running).len()
    }

    /// Returns the ready value (`ready`, checked under the table's lock so that a flight that
    /// just finished is seen), joins the running flight for `key`, or calls `start` with a
    /// [`Reporter`] to start one. `start` is called at most once per flight, under the lock, and
    /// must only spawn (never block).
    pub(crate) fn join_or_start(&self, key: &str, ready: impl FnOnce() -> Option<T>, start: impl FnOnce(Reporter<T>)) -> Joined<T> {
        let mut running = lock(&self.running);
        if let Some(value) = ready() {
            return Joined::Ready(value);
        }
        if let Some(rx) = running.get(key) {
            return Joined::Flight(rx.clone());
        }
        let (tx, rx) = watch::channel(FlightState::Running(Progress { stage: "queued".into(), fraction: 0.0 }));
        running.insert(key.to_owned(), rx.clone());
        start(Reporter { tx: Arc::new(tx), key: key.to_owned(), running: self.running.clone(), finished: false });
        Joined::Flight(rx)
    }
}

/// The sending side of a flight, owned by the task doing the work: reports progress, then
/// finishes the flight once. Dropped without finishing (the task panicked), it fails the flight
/// for its waiters and frees the key, so the next request starts afresh.
pub(crate) struct Reporter<T> {
    tx: Arc<watch::Sender<FlightState<T>>>,
    key: String,
    running: Arc<Mutex<HashMap<String, FlightWatch<T>>>>,
    finished: bool,
}

impl<T> Reporter<T> {
    /// Reports the current stage and fraction (cheap).
    pub(crate) fn progress(&self, stage: &str, fraction: f32) {
        report(&self.tx, stage, fraction);
    }

    /// A receiver that sees each change of the flight's progress: a build's heartbeat uses it
    /// to tell a build that moves from one that hangs.
    pub(crate) fn progress_watch(&self) -> watch::Receiver<FlightState<T>> {
        self.tx.subscribe()
    }

    /// Ends the flight: `store` puts a success where later requests find it (before the flight
    /// leaves the table, so no request can miss both), then every waiter gets `result`.
    pub(crate) fn finish(mut self, result: Result<T, ApiError>, store: impl FnOnce(&T)) {
        if let Ok(v) = &result {
            store(v);
        }
        self.finished = true;
        lock(&self.running).remove(&self.key);
        self.tx.send_replace(FlightState::Done(result));
    }
}

impl<T: Send + Sync + 'static> Reporter<T> {
    /// A progress callback for blocking threads.
    pub(crate) fn progress_fn(&self) -> impl Fn(&str, f32) + Send + Sync + 'static {
        let tx = self.tx.clone();
        move |stage: &str, fraction: f32| report(&tx, stage, fraction)
    }
}

impl<T> Drop for Reporter<T> {
    fn drop(&mut self) {
        if !self.finished {
            lock(&self.running).remove(&self.key);
            self.tx.send_replace(FlightState::Done(Err(ApiError::internal(format!("the build of {} failed unexpectedly", self.key)))));
        }
    }
}

fn report<T>(tx: &watch::Sender<FlightState<T>>, stage: &str, fraction: f32) {
    let fraction = if fraction.is_finite() { fraction.clamp(0.0, 1.0) } else { 0.0 };
    tx.send_if_modified(|state| match state {
        FlightState::Running(p) if p.stage == stage && (p.fraction - fraction).abs() < 0.005 => false,
        FlightState::Running(_) => {
            *state = FlightState::Running(Progress { stage: stage.to_owned(), fraction });
            true
        }
        FlightState::Done(_) => false,
    });
}

/// Follows a flight to its end, calling `on_progress` on each progress change it sees (a build
/// waiting for the session model passes the model's stages on; the SSE and WebSocket streams
/// forward them to clients).
pub(crate) async fn follow<T: Clone>(mut rx: FlightWatch<T>, mut on_progress: impl FnMut(&Progress)) -> Result<T, ApiError> {
    loop {
        let state = rx.borrow_and_update().clone();
        match state {
            FlightState::Running(p) => on_progress(&p),
            FlightState::Done(result) => return result,
        }
        if rx.changed().await.is_err() {
            if let FlightState::Done(result) = &*rx.borrow() {
                return result.clone();
            }
            return Err(ApiError::internal("the build task ended without a result"));
        }
    }
}

/// Resolves once `signal` is true (shutdown), or when its sender is gone.
pub(crate) async fn until_true(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|s| *s).await;
}

/// Waits for a flight's result.
pub(crate) async fn wait<T: Clone>(mut rx: FlightWatch<T>) -> Result<T, ApiError> {
    let state = rx
        .wait_for(|s| matches!(s, FlightState::Done(_)))
        .await
        .map_err(|_| ApiError::internal("the build task ended without a result"))?;
    match &*state {
        FlightState::Done(result) => result.clone(),
        FlightState::Running(_) => Err(ApiError::internal("the build task ended without a result")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used_beyond_the_budget() {
        let mut lru = Lru::new(3);
        lru.insert("a", 1, 1);
        lru.insert("b", 2, 1);
        lru.insert("c", 3, 1);
        assert_eq!(lru.get(&"a"), Some(1));
        lru.insert("d", 4, 1);
        assert_eq!(lru.get(&"b"), None, "b was the least recently used");
        assert_eq!(lru.len(), 3);
        lru.insert("big", 9, 10);
        assert_eq!(lru.len(), 1, "the newest entry stays even when it alone is over budget");
        assert_eq!(lru.weight(), 10);
    }

    #[tokio::test]
    async fn shared_cache_computes_once_for_concurrent_callers() {
        let cache: Arc<SharedCache<u32, u64>> = Arc::new(SharedCache::new(100, |_| 1));
        let count = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, count) = (cache.clone(), count.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_compute(7, move || {
                        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(49)
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(49));
        }
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn flights_are_joined_and_finish_for_everyone() {
        let flights: Flights<u32> = Flights::new();
        let mut starts = 0;
        let mut watches = Vec::new();
        let mut reporter = None;
        for _ in 0..5 {
            match flights.join_or_start(
                "k",
                || None,
                |r| {
                    starts += 1;
                    reporter = Some(r)
                },
            ) {
                Joined::Flight(rx) => watches.push(rx),
                Joined::Ready(_) => unreachable!(),
            }
        }
        assert_eq!(starts, 1);
        let r = reporter.unwrap();
        r.progress("decode", 0.5);
        r.finish(Ok(3), |_| {});
        for w in watches {
            assert_eq!(wait(w).await, Ok(3));
        }
        assert_eq!(flights.running(), 0);
    }
}
