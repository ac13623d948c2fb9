//! The one wasmtime `Engine` of the host, and its epoch ticker.
//!
//! Settings that make a call deterministic and bounded: fuel metering (the
//! budget), epoch interruption (the wall-time backstop), a wasm stack cap,
//! NaN canonicalization, and the pooling allocator sized from
//! [`RuntimeLimits`] so instantiation is a slot reuse, not an mmap.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::config::RuntimeLimits;

/// Core instances, memories and tables one component may hold. A Rust
/// `wasm32-wasip2` component has a handful of each (its module, the WASI
/// adapter, shims); these leave room without letting one component hog
/// the pool.
const MAX_CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MAX_MEMORIES_PER_COMPONENT: u32 = 4;
const MAX_TABLES_PER_COMPONENT: u32 = 8;
/// Freed slots whose memory is given back to the kernel in one batch: one
/// TLB shootdown per batch instead of one per call.
const DECOMMIT_BATCH: usize = 32;

/// Builds the engine.
pub fn build(limits: &RuntimeLimits) -> anyhow::Result<Engine> {
    let instances = limits.max_concurrent_instances.max(1);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        .total_core_instances(instances * MAX_CORE_INSTANCES_PER_COMPONENT)
        .total_memories(instances * MAX_MEMORIES_PER_COMPONENT)
        .total_tables(instances * MAX_TABLES_PER_COMPONENT)
        .max_core_instances_per_component(MAX_CORE_INSTANCES_PER_COMPONENT)
        .max_memories_per_component(MAX_MEMORIES_PER_COMPONENT)
        .max_tables_per_component(MAX_TABLES_PER_COMPONENT)
        .max_memory_size(limits.memory_limit_bytes)
        .linear_memory_keep_resident(limits.memory_keep_resident_bytes)
        .table_keep_resident(limits.memory_keep_resident_bytes)
        .decommit_batch_size(DECOMMIT_BATCH);

    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .consume_fuel(true)
        .epoch_interruption(true)
        .max_wasm_stack(limits.stack_limit_bytes)
        .cranelift_nan_canonicalization(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Ok(Engine::new(&config)?)
}

/// Advances the engine's epoch every `epoch_tick_ms` until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub fn start(engine: &Engine, tick_ms: u64) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let engine = engine.clone();
        let tick = Duration::from_millis(tick_ms.max(1));
        std::thread::Builder::new()
            .name("idempo-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                }
            })?;
        Ok(Self { stop })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
