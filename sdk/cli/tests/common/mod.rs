//! A host for the CLI's tests: served over real HTTP on a random local
//! port, on its own tokio runtime, over a SQLite store in a temporary
//! directory. The tests stay synchronous, as the CLI is.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::Arc;

use idempo_host::bus::Bus;
use idempo_host::config::Config;
use idempo_host::runtime::{Runtime, RuntimeOptions};
use idempo_host::server::{self, AppState};
use idempo_host::store::Store;

/// A running host and what it runs on.
pub struct Host {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    pub runtime: Arc<Runtime>,
    pub store: Store,
    pub bus: Arc<dyn Bus>,
    /// The runtime the server runs on; also runs a test's async calls.
    pub tokio: tokio::runtime::Runtime,
    // Declared last: removed after the runtime stopped.
    _dir: tempfile::TempDir,
}

impl Host {
    /// Runs `future` on the host's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.tokio.block_on(future)
    }
}

/// Starts a host whose operator token is `token`.
pub fn start_host(token: &str) -> Host {
    let config = Config {
        operator_token: token.into(),
        ..Config::default()
    };
    let runtime = Arc::new(Runtime::new(RuntimeOptions::default()).expect("runtime starts"));
    let dir = tempfile::tempdir().expect("temp dir");
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let store = tokio
        .block_on(Store::open(&config.storage, dir.path()))
        .expect("SQLite store opens in a temp dir");
    let bus = idempo_host::bus::open(&config, store.clone()).expect("the bus opens");
    let state = Arc::new(
        AppState::new(
            config,
            runtime.clone(),
            store.clone(),
            bus.clone(),
            Arc::new(idempo_host::arena::SystemClock),
        )
        .expect("the arena's configuration is valid"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        server::serve_on(listener, state).await
    });
    Host {
        url,
        runtime,
        store,
        bus,
        tokio,
        _dir: dir,
    }
}
