//! One call into a component: a fresh `Store`, the limits, and the verdict.
//!
//! Every call gets its own store (so a trap poisons only that store), its
//! fuel budget, its memory cap and its epoch deadline. A failure is
//! classified into a [`CallError`], counted against the component's breaker
//! and its stats, and its buffered effects are dropped.
//!
//! Each call is a `component call` span (debug level: traced, not shown in
//! logs by default) under the caller's: game, world, component, version,
//! the fuel it used, and the failure's kind ([`crate::telemetry`]).

use std::sync::Arc;
use std::time::Instant;

use semver::Version;
use tracing::field::Empty;
use wasmtime::{Engine, Store, Trap};

use super::effects::{Effects, HostFailure, LogLine};
use super::error::CallError;
use super::host_api::{CallContext, CallState};
use super::registry::LoadedComponent;
use super::world::WorldPre;
use crate::config::RuntimeLimits;

/// What a successful call returns: the value, the effects to commit, and
/// what it cost.
#[derive(Debug)]
pub struct CallOutput<R> {
    pub value: R,
    pub effects: Effects,
    pub logs: Vec<LogLine>,
    /// The version that served the call.
    pub version: Version,
    pub fuel_used: u64,
}

/// Runs `f` against a fresh instance of `component`.
pub(super) fn invoke<R>(
    engine: &Engine,
    limits: &RuntimeLimits,
    component: &Arc<LoadedComponent>,
    ctx: CallContext,
    f: impl FnOnce(&WorldPre, &mut Store<CallState>) -> wasmtime::Result<R>,
) -> Result<CallOutput<R>, CallError> {
    let span = tracing::debug_span!(
        "component call",
        game = %component.game,
        world = %component.world,
        component = %component.name,
        version = %component.version,
        fuel_used = Empty,
        error.type = Empty,
        otel.status_code = Empty,
    );
    let _in_span = span.enter();
    let permit = match component.breaker.admit(Instant::now()) {
        Ok(permit) => permit,
        Err(wait) => {
            let refused = CallError::BreakerOpen {
                component: component.label(),
                retry_in_ms: wait.as_millis() as u64,
            };
            failed(&span, &refused);
            return Err(refused);
        }
    };
    let started = Instant::now();
    let mut store = Store::new(engine, CallState::new(ctx, limits));
    store.limiter(|state| &mut state.memory);
    let budget = limits.call_fuel;
    let outcome = store.set_fuel(budget).and_then(|()| {
        store.set_epoch_deadline(limits.deadline_ticks());
        store.epoch_deadline_trap();
        f(&component.pre, &mut store)
    });
    let fuel_used = budget.saturating_sub(store.get_fuel().unwrap_or(0));
    let mut state = store.into_data();
    state.drain_stdio();
    let outcome = outcome.map_err(|e| classify(e, &state, component, limits));

    let failure = outcome
        .as_ref()
        .err()
        .filter(|e| e.counts_against_component())
        .map(CallError::kind);
    component.breaker.record(permit, Instant::now(), failure);
    let failure_kind = outcome.as_ref().err().map(CallError::kind);
    span.record("fuel_used", fuel_used);
    if let Err(e) = &outcome {
        failed(&span, e);
    }
    component.stats.record(
        fuel_used,
        started.elapsed().as_micros() as u64,
        failure_kind,
    );
    forward_logs(component, &state.logs, state.dropped_logs);

    let value = outcome?;
    Ok(CallOutput {
        value,
        effects: state.effects,
        logs: state.logs,
        version: component.version.clone(),
        fuel_used,
    })
}

/// Marks a call's span failed, with the failure's kind.
fn failed(span: &tracing::Span, error: &CallError) {
    span.record("error.type", error.kind());
    span.record("otel.status_code", "error");
}

fn classify(
    error: wasmtime::Error,
    state: &CallState,
    component: &LoadedComponent,
    limits: &RuntimeLimits,
) -> CallError {
    let label = component.label();
    if let Some(failure) = error.downcast_ref::<HostFailure>() {
        return CallError::HostFailure {
            component: label,
            message: failure.0.clone(),
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => CallError::FuelExhausted {
            component: label,
            budget: limits.call_fuel,
        },
        Some(Trap::Interrupt) => CallError::DeadlineExceeded {
            component: label,
            deadline_ms: limits.deadline_ticks() * limits.epoch_tick_ms,
        },
        Some(Trap::StackOverflow) => CallError::StackExhausted {
            component: label,
            limit_bytes: limits.stack_limit_bytes,
        },
        Some(_) if state.memory.refused() => CallError::MemoryExhausted {
            component: label,
            limit_bytes: state.memory.limit_bytes(),
        },
        Some(trap) => CallError::Trapped {
            component: label,
            message: trap.to_string(),
        },
        None => {
            let message = format!("{error:#}");
            if message.contains("concurrent") && message.contains("limit") {
                CallError::Overloaded { component: label }
            } else if state.memory.refused() {
                CallError::MemoryExhausted {
                    component: label,
                    limit_bytes: state.memory.limit_bytes(),
                }
            } else {
                CallError::Instantiation {
                    component: label,
                    message,
                }
            }
        }
    }
}

fn forward_logs(component: &LoadedComponent, logs: &[LogLine], dropped: usize) {
    for line in logs {
        let fields = serde_json::to_string(&line.fields).unwrap_or_default();
        let target = component.label();
        match line.level.as_str() {
            "error" => tracing::error!(component = %target, fields, "{}", line.message),
            "warn" => tracing::warn!(component = %target, fields, "{}", line.message),
            "info" => tracing::info!(component = %target, fields, "{}", line.message),
            "debug" => tracing::debug!(component = %target, fields, "{}", line.message),
            _ => tracing::trace!(component = %target, fields, "{}", line.message),
        }
    }
    if dropped > 0 {
        tracing::warn!(component = %component.label(), dropped, "component log lines over the per-call limit were dropped");
    }
}
