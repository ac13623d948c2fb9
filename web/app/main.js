// idempo web: the player arena (index.html) and the operator console
// (console.html), plain ES modules served as files by the host; no build.
//
// Map:
//   main.js                boots the app the page names (body[data-app])
//   dom.js                 element builders, live-region announcements, formats
//   http.js                fetch, problem+json errors, Idempotency-Key retries
//   api.js                 the player API (/v1), one function per route
//   admin-api.js           the admin API (/admin/v1) and /metrics
//   session.js             the signed-in player (token, id, name)
//   names.js               player names learned from answers' `names`
//   ws.js                  the WebSocket with resume (after, notices_after)
//   notices.js             the player's notices and their toasts
//   router.js              hash routes: one view shown, the others kept
//   player.js              the arena app: services, header, views
//   views/                 auth, lobby, arena, results, wallet, inventory,
//                          market, trades, crafting, leaderboard
//   arena/model.js         a match: host view + committed entries in seq order
//   arena/board.js         the grid, zone, resources and fighters in SVG
//   arena/effects.js       animations of effects (hits, crits, heals, seals)
//   arena/input.js         keyboard bindings; arena/controls.js the buttons
//   arena/actions.js       the action queue: one in flight, keyed retries
//   arena/fighters.js      the fighters table; arena/log.js the match log
//   arena/rules.js         what players are told about each rules version
//   economy/holdings.js    wallet balances and inventory items
//   economy/trades.js      trades followed to their end; economy/saga.js
//                          draws a trade saga's steps
//   charts.js              line charts in SVG, with a "no data yet" state
//   prom.js                Prometheus text format: parse, rates, quantiles
//   console/console.js     the operator console: token, tabs, refresh loop
//   console/components.js  components, versions, activate, roll back, upload
//   console/pins.js        the game's matches and the versions they pin
//   console/breakers.js    circuit breakers
//   console/calls.js       per-component call rates, failures, fuel (charts)
//   console/pipeline.js    consumer lag per group, dead letters (inspect, replay)
//   console/metrics.js     live /metrics charts: actions/s, latency, matches

const app = document.body.dataset.app;
const root = document.getElementById('app');

if (app === 'console') {
  const { startConsole } = await import('./console/console.js');
  startConsole(root);
} else {
  const { startPlayerApp } = await import('./player.js');
  startPlayerApp(root);
}
