//! A [`Bucket`] as the shared store of raw archive files ([`archive::RawStore`]): servers
//! sharing a bucket fetch each raw file (topics, team radio clips, past seasons' indexes) from
//! the archive once between them. Layout and verification are `archive::shared`'s.

use archive::shared::StoreFuture;

use crate::Bucket;

impl archive::RawStore for Bucket {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move { Bucket::get(self, key).await.map(|b| b.map(|b| b.to_vec())).map_err(|e| e.to_string()) })
    }

    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StoreFuture<'a, ()> {
        Box::pin(async move { Bucket::put(self, key, bytes.into()).await.map_err(|e| e.to_string()) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { Bucket::delete(self, key).await.map_err(|e| e.to_string()) })
    }

    fn list<'a>(&'a self, dir: &'a str) -> StoreFuture<'a, Vec<String>> {
        Box::pin(
            async move { Bucket::list(self, dir).await.map(|found| found.into_iter().map(|o| o.key).collect()).map_err(|e| e.to_string()) },
        )
    }

    fn url(&self) -> String {
        Bucket::url(self).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use archive::RawStore;

    #[tokio::test]
    async fn raw_objects_round_trip_through_the_trait() {
        let b = Bucket::open("memory://p").unwrap();
        let store: &dyn RawStore = &b;
        let key = archive::shared::key("2025/Index.json", b"{}");
        store.put(&key, b"{}".to_vec()).await.unwrap();
        assert_eq!(store.list("raw/2025/Index.json").await.unwrap(), std::slice::from_ref(&key));
        assert_eq!(store.get(&key).await.unwrap().as_deref(), Some(&b"{}"[..]));
        store.delete(&key).await.unwrap();
        assert!(store.list("raw/2025/Index.json").await.unwrap().is_empty());
    }
}
