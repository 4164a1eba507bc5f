//! The bucket against a real emulator of Azure Blob Storage (Azurite), started here on a free
//! port: the same checks as on S3 (tests/s3.rs): objects round-trip, create-if-absent is
//! exclusive, leases hold, and a missing container or refused credentials give one clear error.

use bucket::lease::{self, Claim};
use bucket::{Bucket, Error};
use bytes::Bytes;
use std::time::Duration;

/// Stores and reads back, lists, creates exclusively and leases on `b`.
async fn objects_and_leases(b: &Bucket) {
    b.check().await.unwrap();
    let key = "replay/2025~mexico~q@replay-6@25fps@0123456789abcdef.f1r";
    assert_eq!(b.get(key).await.unwrap(), None);
    let body = Bytes::from((0..100_000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    b.put(key, body.clone()).await.unwrap();
    assert_eq!(b.get(key).await.unwrap(), Some(body.clone()));
    let info = b.head(key).await.unwrap().unwrap();
    assert_eq!(info.size, body.len() as u64);
    assert!(info.etag.is_some());
    assert_eq!(b.list("replay").await.unwrap().into_iter().map(|o| o.key).collect::<Vec<_>>(), [key]);

    assert!(b.create("lease/one", Bytes::from_static(b"a")).await.unwrap());
    assert!(!b.create("lease/one", Bytes::from_static(b"b")).await.unwrap(), "{}: a second create-if-absent succeeded", b.url());
    assert_eq!(b.get("lease/one").await.unwrap().as_deref(), Some(&b"a"[..]));

    let Claim::Won(lease) = lease::claim(b, "x", Duration::from_secs(60)).await.unwrap() else { panic!("first claim lost") };
    let claims = futures_util::future::join_all((0..8).map(|_| lease::claim(b, "x", Duration::from_secs(60)))).await;
    assert!(claims.iter().all(|c| matches!(c, Ok(Claim::Held(_)))), "{claims:?}");
    lease.release().await.unwrap();
    assert!(b.list("lease/x").await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn objects_and_leases_on_a_real_azure_emulator() {
    let Some(server) = testkit::AzureServer::start() else { return };
    server.create_container("replays");
    objects_and_leases(&Bucket::open_with("az://replays/site/a", &server.env(false)).unwrap()).await;
    // azure:// is the same store.
    let again = Bucket::open_with("azure://replays/site/a", &server.env(false)).unwrap();
    assert_eq!(again.list("replay").await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_container_is_named() {
    let Some(azure) = testkit::AzureServer::start() else { return };
    let url = "az://no-such-container/p";
    let e = Bucket::open_with(url, &azure.env(false)).unwrap().check().await.unwrap_err();
    println!("{e}");
    assert!(matches!(e, Error::NoBucket { .. }), "{e:?}");
    assert!(e.to_string().starts_with(&format!("{url}: the bucket does not exist")), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_are_named() {
    let Some(azure) = testkit::AzureServer::start() else { return };
    azure.create_container("replays");
    let e = Bucket::open_with("az://replays", &azure.env(true)).unwrap().check().await.unwrap_err();
    println!("{e}");
    assert!(matches!(e, Error::Credentials { .. }), "{e:?}");
    assert!(e.to_string().contains("refused the credentials (set AZURE_STORAGE_ACCOUNT_NAME"), "{e}");
}
