//! A trade (a saga) as the API shows it: its state, its terms, and its
//! log as the steps it has passed.

use serde::Serialize;

use crate::saga::{LogEntry, SagaRecord};

/// `GET /v1/trades/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct TradeView {
    pub id: String,
    /// `market` or `offer`.
    pub kind: String,
    /// INITIATED, FUNDS_RESERVED, ITEM_LOCKED, ..., COMPLETED,
    /// COMPENSATING, FAILED.
    pub state: String,
    /// `running`, `completed` or `failed`.
    pub status: String,
    pub initiator: String,
    pub counterparty: String,
    /// The terms (for a market trade: buyer, seller, listing, item,
    /// currency, price, fee).
    #[serde(flatten)]
    pub terms: serde_json::Map<String, serde_json::Value>,
    pub failure: Option<String>,
    pub steps: Vec<StepView>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// One row of the saga log.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub step: String,
    /// `forward`, `backward` or `claim`.
    pub phase: String,
    /// `done`, `failed`, `undone`, `claimed`.
    pub status: String,
    pub at_ms: i64,
    pub error: Option<String>,
}

impl TradeView {
    pub fn of(saga: &SagaRecord, log: &[LogEntry]) -> Self {
        let terms = match &saga.plan.terms {
            serde_json::Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        };
        Self {
            id: saga.saga_id.clone(),
            kind: saga.kind.clone(),
            state: saga.label.clone(),
            status: saga.status.as_str().into(),
            initiator: saga.initiator.clone(),
            counterparty: saga.counterparty.clone(),
            terms,
            failure: saga.failure.clone(),
            steps: log
                .iter()
                .map(|e| StepView {
                    step: e.step.clone(),
                    phase: e.phase.clone(),
                    status: e.outcome.clone(),
                    at_ms: e.at_ms,
                    error: e.error.clone(),
                })
                .collect(),
            created_at_ms: saga.created_at_ms,
            updated_at_ms: saga.updated_at_ms,
        }
    }
}
