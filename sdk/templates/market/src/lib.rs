//! # {{component_name}}: market rules
//!
//! A small but complete market component, to grow into your own economy:
//!
//! - items are listed and traded in gold, for 1 to 10 000;
//! - the house takes 2% of a sale (at least 1), the seller gets the rest;
//! - a trade of 5 000 gold or more runs an extra `audit` step in the host's
//!   trade saga;
//! - one recipe: a `torch` from 2 `wood` and 5 gold.

use idempo_sdk::prelude::*;

const CURRENCY: &str = "gold";
const MIN_PRICE: u64 = 1;
const MAX_PRICE: u64 = 10_000;
const FEE_PERCENT: u64 = 2;
const AUDIT_FROM_PRICE: u64 = 5_000;

struct Bazaar;

impl Market for Bazaar {
    fn validate_listing(listing: Listing) -> Result<(), String> {
        check_price(&listing.currency, listing.price)
    }

    fn quote_trade(trade: Trade) -> Result<Quote, String> {
        check_price(&trade.currency, trade.price)?;
        let fee = (trade.price * FEE_PERCENT / 100).max(1);
        let extra_steps = if trade.price >= AUDIT_FROM_PRICE {
            vec!["audit".to_owned()]
        } else {
            Vec::new()
        };
        Ok(Quote {
            fee,
            seller_receives: trade.price - fee,
            extra_steps,
        })
    }

    fn recipes() -> Vec<Recipe> {
        vec![Recipe {
            id: "torch".to_owned(),
            inputs: vec![Ingredient {
                item_type: "wood".to_owned(),
                count: 2,
            }],
            currency: CURRENCY.to_owned(),
            cost: 5,
            output: "torch".to_owned(),
        }]
    }
}

fn check_price(currency: &str, price: u64) -> Result<(), String> {
    if currency != CURRENCY {
        return Err(format!(
            "only {CURRENCY} is accepted here, not `{currency}`"
        ));
    }
    if !(MIN_PRICE..=MAX_PRICE).contains(&price) {
        return Err(format!(
            "price must be {MIN_PRICE} to {MAX_PRICE} {CURRENCY}, not {price}"
        ));
    }
    Ok(())
}

idempo_sdk::export_market!(Bazaar);
