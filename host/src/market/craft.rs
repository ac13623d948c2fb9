//! Crafting: a recipe of the market component turns input items and a
//! cost into a new item, in one batch: every input spent (each a guard
//! that it is still the player's, owned and unlocked), the cost paid to the
//! house from the wallet version read (optimistic locking), the output
//! granted. All of it or none of it; a guard that fails because something
//! moved meanwhile is retried on fresh reads.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::command::{Command, Stored};
use super::{Caller, Market, MarketError};
use crate::economy::items::{self, ItemState};
use crate::economy::wallet;
use crate::runtime::bindings::market_api::Recipe;
use crate::store::economy_ops::{EconomyOp, HOUSE, Payout, Transfer};
use crate::store::{CommitBatch, ItemGrant, ItemSpend, StoreError};

/// Reads and writes a craft tries before it gives up on a busy inventory.
const ATTEMPTS: u32 = 5;
/// Most items of one type a craft looks through.
const SCAN: u32 = 100;

/// The body of `POST /v1/crafts`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCraft {
    pub recipe: String,
}

/// A recipe as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct RecipeView {
    pub id: String,
    pub inputs: Vec<IngredientView>,
    pub currency: String,
    pub cost: u64,
    pub output: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngredientView {
    pub item_type: String,
    pub count: u32,
}

/// What a craft did.
#[derive(Debug, Clone, Serialize)]
pub struct CraftView {
    pub id: String,
    pub recipe: String,
    pub consumed: Vec<String>,
    pub output: OutputView,
    pub currency: String,
    pub cost: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputView {
    pub id: String,
    pub item_type: String,
}

impl From<Recipe> for RecipeView {
    fn from(r: Recipe) -> Self {
        Self {
            id: r.id,
            inputs: r
                .inputs
                .into_iter()
                .map(|i| IngredientView {
                    item_type: i.item_type,
                    count: i.count,
                })
                .collect(),
            currency: r.currency,
            cost: r.cost,
            output: r.output,
        }
    }
}

impl Market {
    pub async fn recipes(&self, game: &str) -> Result<Vec<RecipeView>, MarketError> {
        Ok(self
            .rules
            .recipes(game)
            .await?
            .into_iter()
            .map(RecipeView::from)
            .collect())
    }

    /// Crafts `body.recipe` for the caller. 201 with what was consumed and
    /// made.
    pub async fn craft(
        &self,
        caller: &Caller,
        cmd: &Command,
        body: NewCraft,
    ) -> Result<Stored, MarketError> {
        let recipe = self
            .rules
            .recipes(&caller.game)
            .await?
            .into_iter()
            .find(|r| r.id == body.recipe)
            .ok_or_else(|| MarketError::Unknown {
                what: "recipe",
                id: body.recipe.clone(),
            })?;
        let cost = i64::try_from(recipe.cost).map_err(|_| {
            MarketError::Component(format!("recipe cost {} is too large", recipe.cost))
        })?;
        let craft_id = crate::store::new_event_id();
        let reference = format!("craft:{craft_id}");
        for _ in 0..ATTEMPTS {
            let consumed = self.inputs(caller, &recipe).await?;
            let mut ops: Vec<EconomyOp> = consumed
                .iter()
                .map(|(item_id, item_type)| {
                    EconomyOp::Consume(ItemSpend {
                        game: caller.game.clone(),
                        item_id: item_id.clone(),
                        owner: caller.player.clone(),
                        item_type: item_type.clone(),
                        reference: reference.clone(),
                    })
                })
                .collect();
            if cost > 0 {
                let balance =
                    wallet::balance(&self.store, &caller.game, &caller.player, &recipe.currency)
                        .await?;
                if balance.available < cost {
                    return Err(MarketError::InsufficientFunds(format!(
                        "recipe `{}` costs {cost} {}; {} is available",
                        recipe.id, recipe.currency, balance.available
                    )));
                }
                ops.push(EconomyOp::Transfer(Transfer {
                    game: caller.game.clone(),
                    from: caller.player.clone(),
                    currency: recipe.currency.clone(),
                    amount: cost,
                    version: balance.version,
                    reason: "craft".into(),
                    reference: reference.clone(),
                    payouts: vec![Payout {
                        player: HOUSE.into(),
                        amount: cost,
                        reason: "craft-fee".into(),
                    }],
                }));
            }
            let output = OutputView {
                id: format!("itm-{craft_id}"),
                item_type: recipe.output.clone(),
            };
            let view = CraftView {
                id: craft_id.clone(),
                recipe: recipe.id.clone(),
                consumed: consumed.iter().map(|(id, _)| id.clone()).collect(),
                output,
                currency: recipe.currency.clone(),
                cost: recipe.cost,
            };
            let answer = Stored::ok(StatusCode::CREATED, &view);
            let mut batch = CommitBatch {
                idempotency: Some(cmd.done(&answer)),
                ops,
                events: vec![caller.event(&caller.player, "ItemCrafted", json!(view))],
                ..CommitBatch::default()
            };
            batch.economy.grants.push(ItemGrant {
                game: caller.game.clone(),
                item_id: view.output.id.clone(),
                owner: caller.player.clone(),
                item_type: view.output.item_type.clone(),
                source: reference.clone(),
            });
            match self.store.commit(batch).await {
                Ok(_) => return Ok(answer),
                // An input or the wallet moved since the reads: read again.
                Err(StoreError::Economy(_) | StoreError::ItemUnavailable { .. }) => continue,
                Err(StoreError::IdempotencyConflict { .. }) => return Err(MarketError::InFlight),
                Err(e) => return Err(e.into()),
            }
        }
        Err(MarketError::ItemUnavailable(
            "the inventory kept changing during the craft; try again".into(),
        ))
    }

    /// The caller's items the recipe consumes (id, type), oldest id first,
    /// or what is missing.
    async fn inputs(
        &self,
        caller: &Caller,
        recipe: &Recipe,
    ) -> Result<Vec<(String, String)>, MarketError> {
        let mut chosen = Vec::new();
        for input in &recipe.inputs {
            let owned: Vec<_> = items::inventory(
                &self.store,
                &caller.game,
                &caller.player,
                Some(&input.item_type),
                None,
                SCAN,
            )
            .await?
            .into_iter()
            .filter(|i| i.state == ItemState::Owned)
            .take(input.count as usize)
            .collect();
            if owned.len() < input.count as usize {
                return Err(MarketError::MissingIngredients(format!(
                    "recipe `{}` needs {} `{}`; you have {} free",
                    recipe.id,
                    input.count,
                    input.item_type,
                    owned.len()
                )));
            }
            chosen.extend(owned.into_iter().map(|i| (i.item_id, i.item_type)));
        }
        Ok(chosen)
    }
}
