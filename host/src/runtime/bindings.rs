//! Host-side bindings of the WIT contracts in `wit/` (package `idempo:game`).
//!
//! The host imports (`log`, `clock`, `rng`, `kv`, `events`) and the shared
//! `types` are generated once and reused by the four worlds, so a world adds
//! only its exports. Every generated type derives serde, which is how the
//! SDK's scenario files, the admin API and the durable logs spell them.

/// The imports every world is granted. `kv.get` may fail on the host's side
/// (a database read), which ends the call: it is trappable.
pub mod host {
    wasmtime::component::bindgen!({
        world: "host-api",
        path: "../wit",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        imports: { "idempo:game/kv.get": trappable },
    });
}

/// Generates a world's bindings over the shared imports (and, with
/// `shared_types`, over the `types` the combat world generated).
macro_rules! world {
    ($world:literal $(, $types:literal => $types_path:path)?) => {
        wasmtime::component::bindgen!({
            world: $world,
            path: "../wit",
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
            with: {
                $($types: $types_path,)?
                "idempo:game/log": crate::runtime::bindings::host::idempo::game::log,
                "idempo:game/clock": crate::runtime::bindings::host::idempo::game::clock,
                "idempo:game/rng": crate::runtime::bindings::host::idempo::game::rng,
                "idempo:game/kv": crate::runtime::bindings::host::idempo::game::kv,
                "idempo:game/events": crate::runtime::bindings::host::idempo::game::events,
            },
        });
    };
}

/// The combat world, and the shared `types` interface.
pub mod combat {
    world!("combat-world");
}

/// The rewards world.
pub mod rewards {
    world!("rewards-world", "idempo:game/types" => crate::runtime::bindings::combat::idempo::game::types);
}

/// The market world.
pub mod market {
    world!("market-world", "idempo:game/types" => crate::runtime::bindings::combat::idempo::game::types);
}

/// The tournament world.
pub mod tournament {
    world!("tournament-world", "idempo:game/types" => crate::runtime::bindings::combat::idempo::game::types);
}

/// The arena's shared vocabulary (`idempo:game/types`).
pub use combat::idempo::game::types;
/// The market interface's own records.
pub use market::exports::idempo::game::market as market_api;
/// The rewards interface's own records.
pub use rewards::exports::idempo::game::rewards as rewards_api;
/// The tournament interface's own records.
pub use tournament::exports::idempo::game::tournament as tournament_api;
