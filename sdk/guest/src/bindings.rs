//! The raw bindings, generated once from `wit/` by wit-bindgen.
//!
//! - [`base`]: the host imports (`log`, `clock`, `rng`, `kv`, `events`) and
//!   the shared `types` interface, from a small inline world that includes
//!   `host-api` and imports `types`;
//! - [`combat`], [`rewards`], [`market`], [`tournament`]: one module per
//!   game world. Each
//!   generates only its export interface and points every shared interface at
//!   [`base`] through `with`, so `types::MatchState` and the imports exist
//!   once, whatever the world.
//!
//! Each world module carries a `pub` export macro (`pub_export_macro`). Its
//! expansion, in the component's own crate, emits that world's type section,
//! so a crate that exports combat never claims to export rewards too. Call it
//! through [`export_combat!`](crate::export_combat) and its siblings, not
//! directly.
//!
//! The types derive `PartialEq`, `Eq`, `serde::Serialize` and
//! `serde::Deserialize` on top of wit-bindgen's `Clone` and `Debug`; serde
//! sees the Rust names (snake_case fields, PascalCase variants), the same
//! shape the host's scenario files use.

/// Host imports and the shared `types` interface.
pub mod base {
    wit_bindgen::generate!({
        path: "../../wit",
        inline: "
            package idempo:sdk;

            world guest-base {
                include idempo:game/host-api@0.1.0;
                import idempo:game/types@0.1.0;
            }
        ",
        world: "idempo:sdk/guest-base",
        generate_all,
        generate_unused_types: true,
        additional_derives: [PartialEq, Eq, serde::Serialize, serde::Deserialize],
    });
}

/// The `combat-world` export: `idempo:game/combat`.
pub mod combat {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "idempo:game/combat-world",
        with: {
            "idempo:game/types@0.1.0": crate::bindings::base::idempo::game::types,
            "idempo:game/log@0.1.0": crate::bindings::base::idempo::game::log,
            "idempo:game/clock@0.1.0": crate::bindings::base::idempo::game::clock,
            "idempo:game/rng@0.1.0": crate::bindings::base::idempo::game::rng,
            "idempo:game/kv@0.1.0": crate::bindings::base::idempo::game::kv,
            "idempo:game/events@0.1.0": crate::bindings::base::idempo::game::events,
        },
        additional_derives: [PartialEq, Eq, serde::Serialize, serde::Deserialize],
        pub_export_macro: true,
        export_macro_name: "export_combat_world",
        default_bindings_module: "$crate::bindings::combat",
    });
}

/// The `rewards-world` export: `idempo:game/rewards`.
pub mod rewards {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "idempo:game/rewards-world",
        with: {
            "idempo:game/types@0.1.0": crate::bindings::base::idempo::game::types,
            "idempo:game/log@0.1.0": crate::bindings::base::idempo::game::log,
            "idempo:game/clock@0.1.0": crate::bindings::base::idempo::game::clock,
            "idempo:game/rng@0.1.0": crate::bindings::base::idempo::game::rng,
            "idempo:game/kv@0.1.0": crate::bindings::base::idempo::game::kv,
            "idempo:game/events@0.1.0": crate::bindings::base::idempo::game::events,
        },
        additional_derives: [PartialEq, Eq, serde::Serialize, serde::Deserialize],
        pub_export_macro: true,
        export_macro_name: "export_rewards_world",
        default_bindings_module: "$crate::bindings::rewards",
    });
}

/// The `market-world` export: `idempo:game/market`.
pub mod market {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "idempo:game/market-world",
        with: {
            "idempo:game/types@0.1.0": crate::bindings::base::idempo::game::types,
            "idempo:game/log@0.1.0": crate::bindings::base::idempo::game::log,
            "idempo:game/clock@0.1.0": crate::bindings::base::idempo::game::clock,
            "idempo:game/rng@0.1.0": crate::bindings::base::idempo::game::rng,
            "idempo:game/kv@0.1.0": crate::bindings::base::idempo::game::kv,
            "idempo:game/events@0.1.0": crate::bindings::base::idempo::game::events,
        },
        additional_derives: [PartialEq, Eq, serde::Serialize, serde::Deserialize],
        pub_export_macro: true,
        export_macro_name: "export_market_world",
        default_bindings_module: "$crate::bindings::market",
    });
}

/// The `tournament-world` export: `idempo:game/tournament`.
pub mod tournament {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "idempo:game/tournament-world",
        with: {
            "idempo:game/types@0.1.0": crate::bindings::base::idempo::game::types,
            "idempo:game/log@0.1.0": crate::bindings::base::idempo::game::log,
            "idempo:game/clock@0.1.0": crate::bindings::base::idempo::game::clock,
            "idempo:game/rng@0.1.0": crate::bindings::base::idempo::game::rng,
            "idempo:game/kv@0.1.0": crate::bindings::base::idempo::game::kv,
            "idempo:game/events@0.1.0": crate::bindings::base::idempo::game::events,
        },
        additional_derives: [PartialEq, Eq, serde::Serialize, serde::Deserialize],
        pub_export_macro: true,
        export_macro_name: "export_tournament_world",
        default_bindings_module: "$crate::bindings::tournament",
    });
}
