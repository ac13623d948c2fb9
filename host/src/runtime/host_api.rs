//! The state of one call, and the host imports every world is granted:
//! `log`, `clock`, `rng`, `kv` and `events`.
//!
//! A [`CallState`] lives in a fresh `Store` for exactly one call. Reads see
//! committed state plus the call's own writes; writes and events are only
//! buffered here (bounded by [`RuntimeLimits`]) and handed back as
//! [`Effects`] when the call succeeds.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::host::idempo::game::{clock, events, kv, log, rng};
use super::bindings::types;
use super::effects::{Effects, EmittedEvent, LogLine, StateView, TOPICS};
use super::limits::MemoryCap;
use super::rng::DetRng;
use super::wasi::{self, Capture};
use crate::config::RuntimeLimits;

/// What a caller supplies for one call: logical time, seed and state.
#[derive(Clone)]
pub struct CallContext {
    /// Logical milliseconds the `clock` import (and WASI's clocks) read.
    pub now_ms: u64,
    /// Seed of the call's `rng` (and WASI's randomness).
    pub seed: u64,
    /// Committed state the `kv` import reads.
    pub state: StateView,
}

/// The data of a call's `Store`.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) memory: MemoryCap,
    pub(super) now_ms: u64,
    rng: DetRng,
    state: StateView,
    limits: RuntimeLimits,
    pub(super) effects: Effects,
    pub(super) logs: Vec<LogLine>,
    pub(super) dropped_logs: usize,
    pub(super) stdout: Capture,
    pub(super) stderr: Capture,
}

impl CallState {
    pub fn new(ctx: CallContext, limits: &RuntimeLimits) -> Self {
        let stdout = Capture::new(limits.stdio_capture_bytes);
        let stderr = Capture::new(limits.stdio_capture_bytes);
        Self {
            wasi: wasi::sandbox(ctx.now_ms, ctx.seed, &stdout, &stderr),
            table: ResourceTable::new(),
            memory: MemoryCap::new(limits.memory_limit_bytes),
            now_ms: ctx.now_ms,
            rng: DetRng::new(ctx.seed),
            effects: Effects {
                scope: Some(ctx.state.scope.clone()),
                ..Effects::default()
            },
            state: ctx.state,
            limits: limits.clone(),
            logs: Vec::new(),
            dropped_logs: 0,
            stdout,
            stderr,
        }
    }

    fn push_log(&mut self, line: LogLine) {
        if self.logs.len() < self.limits.max_log_lines_per_call {
            self.logs.push(line);
        } else {
            self.dropped_logs += 1;
        }
    }

    /// Moves captured stdout/stderr into the log, at the end of a call.
    pub(super) fn drain_stdio(&mut self) {
        for (capture, level) in [(self.stdout.clone(), "info"), (self.stderr.clone(), "warn")] {
            let (lines, dropped) = capture.lines();
            for message in lines {
                self.push_log(LogLine {
                    level: level.into(),
                    message,
                    fields: vec![(
                        "stream".into(),
                        level.replace("info", "stdout").replace("warn", "stderr"),
                    )],
                });
            }
            if dropped > 0 {
                self.dropped_logs += 1;
            }
        }
    }

    fn kv_write(&mut self, key: String, value: Option<Vec<u8>>) -> Result<(), String> {
        let limits = &self.limits;
        if key.is_empty() || key.len() > limits.kv_max_key_bytes {
            return Err(format!(
                "kv key must be 1..={} bytes, got {}",
                limits.kv_max_key_bytes,
                key.len()
            ));
        }
        if let Some(v) = &value
            && v.len() > limits.kv_max_value_bytes
        {
            return Err(format!(
                "kv value of {} bytes is over the {}-byte limit",
                v.len(),
                limits.kv_max_value_bytes
            ));
        }
        let writes = &mut self.effects.kv_writes;
        if !writes.contains_key(&key) && writes.len() >= limits.kv_max_writes_per_call {
            return Err(format!(
                "more than {} kv writes in one call",
                limits.kv_max_writes_per_call
            ));
        }
        writes.insert(key, value);
        Ok(())
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl types::Host for CallState {}

impl log::Host for CallState {
    fn write(&mut self, level: log::Level, message: String, fields: Vec<(String, String)>) {
        let level = match level {
            log::Level::Trace => "trace",
            log::Level::Debug => "debug",
            log::Level::Info => "info",
            log::Level::Warn => "warn",
            log::Level::Error => "error",
        };
        self.push_log(LogLine {
            level: level.into(),
            message,
            fields,
        });
    }
}

impl clock::Host for CallState {
    fn now_ms(&mut self) -> u64 {
        self.now_ms
    }
}

impl rng::Host for CallState {
    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn range(&mut self, low: u32, high: u32) -> u32 {
        self.rng.range(low, high)
    }
}

impl kv::Host for CallState {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        match self.effects.kv_writes.get(&key) {
            Some(buffered) => Ok(buffered.clone()),
            None => Ok(self.state.reader.get(&self.state.scope, &key)?),
        }
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        self.kv_write(key, Some(value))
    }

    fn delete(&mut self, key: String) -> Result<(), String> {
        self.kv_write(key, None)
    }
}

impl events::Host for CallState {
    fn emit(&mut self, event: events::Event) -> Result<(), String> {
        if !TOPICS.contains(&event.topic.as_str()) {
            return Err(format!(
                "unknown topic `{}`; topics are {}",
                event.topic,
                TOPICS.join(", ")
            ));
        }
        if self.effects.events.len() >= self.limits.max_events_per_call {
            return Err(format!(
                "more than {} events in one call",
                self.limits.max_events_per_call
            ));
        }
        if event.payload.len() > self.limits.max_event_payload_bytes {
            return Err(format!(
                "event payload of {} bytes is over the {}-byte limit",
                event.payload.len(),
                self.limits.max_event_payload_bytes
            ));
        }
        let payload = serde_json::from_str(&event.payload)
            .map_err(|e| format!("event payload is not JSON: {e}"))?;
        if event.key.is_empty() || event.event_type.is_empty() {
            return Err("an event needs a key and a type".into());
        }
        self.effects.events.push(EmittedEvent {
            topic: event.topic,
            key: event.key,
            event_type: event.event_type,
            payload,
        });
        Ok(())
    }
}
