//! # standard 1.1.0: the market's rules
//!
//! - **Listings and trades** are in gold, priced 1 to 1 000 000; anything
//!   else is refused with the reason. A player cannot buy from themself.
//! - **Fee**: 5% of the price, rounded down, at least 1, paid to the house;
//!   the seller receives the rest.
//! - **Audit**: a trade of [`AUDIT_FROM`] gold or more gets the host's
//!   `audit` step before it settles (its terms go to `economy-events`).
//! - **Crafting**: [`recipes`](Market::recipes) lists what can be made.

use idempo_sdk::prelude::*;

/// The one currency traded here.
pub const CURRENCY: &str = "gold";
pub const MIN_PRICE: u64 = 1;
pub const MAX_PRICE: u64 = 1_000_000;
pub const FEE_PERCENT: u64 = 5;
pub const MIN_FEE: u64 = 1;
/// The price from which a trade is audited.
pub const AUDIT_FROM: u64 = 10_000;
/// Longest item type or id accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 64;

/// The standard market.
pub struct Standard;

impl Market for Standard {
    fn validate_listing(listing: Listing) -> Result<(), String> {
        named("item id", &listing.item_id)?;
        named("item type", &listing.item_type)?;
        priced(&listing.currency, listing.price)
    }

    fn quote_trade(trade: Trade) -> Result<Quote, String> {
        named("item type", &trade.item_type)?;
        priced(&trade.currency, trade.price)?;
        if trade.buyer == trade.seller {
            return Err(format!("`{}` cannot buy from themself", trade.buyer));
        }
        let fee = (trade.price * FEE_PERCENT / 100).max(MIN_FEE);
        Ok(Quote {
            fee,
            seller_receives: trade.price - fee,
            extra_steps: if trade.price >= AUDIT_FROM {
                vec!["audit".to_owned()]
            } else {
                Vec::new()
            },
        })
    }

    fn recipes() -> Vec<Recipe> {
        vec![
            recipe("iron-sword", &[("iron-ore", 3)], 50),
            recipe("elixir", &[("potion", 2), ("crystal", 1)], 20),
            recipe("stamp", &[("crystal", 5)], 100),
        ]
    }
}

/// Checks the currency and the price bounds.
fn priced(currency: &str, price: u64) -> Result<(), String> {
    if currency != CURRENCY {
        return Err(format!(
            "currency `{currency}` is not traded here, only `{CURRENCY}`"
        ));
    }
    if price < MIN_PRICE {
        return Err(format!(
            "price {price} is below the minimum of {MIN_PRICE} {CURRENCY}"
        ));
    }
    if price > MAX_PRICE {
        return Err(format!(
            "price {price} is above the maximum of {MAX_PRICE} {CURRENCY}"
        ));
    }
    Ok(())
}

/// Checks a name is present and not too long.
fn named(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > MAX_NAME_BYTES {
        return Err(format!("{what} must be 1 to {MAX_NAME_BYTES} bytes"));
    }
    Ok(())
}

/// A recipe whose id is its output, paid in gold.
fn recipe(output: &str, inputs: &[(&str, u32)], cost: u64) -> Recipe {
    Recipe {
        id: output.to_owned(),
        inputs: inputs
            .iter()
            .map(|(item_type, count)| Ingredient {
                item_type: (*item_type).to_owned(),
                count: *count,
            })
            .collect(),
        currency: CURRENCY.to_owned(),
        cost,
        output: output.to_owned(),
    }
}

idempo_sdk::export_market!(Standard);
