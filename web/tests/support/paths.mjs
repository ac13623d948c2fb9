// Where the tests find the host and its components, and where they leave
// their artifacts (screenshots, host logs).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_DIR = path.resolve(WEB_DIR, '..');
export const TARGET_DIR = process.env.CARGO_TARGET_DIR
  ? path.resolve(REPO_DIR, process.env.CARGO_TARGET_DIR)
  : path.join(REPO_DIR, 'target');
export const HOST_BIN = process.env.IDEMPO_BIN || path.join(TARGET_DIR, 'debug', 'idempo');
export const COMPONENTS_DIR = process.env.IDEMPO_COMPONENTS_DIR
  ? path.resolve(process.env.IDEMPO_COMPONENTS_DIR)
  : path.join(TARGET_DIR, 'components');
/** The second combat version, staged beside (not inside) the boot set. */
export const COMBAT_V2 = path.join(COMPONENTS_DIR, 'extra', 'combat', 'classic@1.1.0.wasm');
export const ARTIFACTS_DIR = path.join(TARGET_DIR, 'web-artifacts');
