// docs/cli.md documents every flag each command's --help lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPLAY_HELP } from '../../src/cli/replay.js';
import { UP_HELP } from '../../src/cli/up.js';
import { AGENT_HELP } from '../../src/cli/agent.js';
import { CAPABILITIES_HELP } from '../../src/cli/capabilities.js';
import { TAIL_HELP } from '../../src/cli/tail.js';
import { CTL_HELP } from '../../src/cli/ctl.js';
import { CAPTURE_HELP } from '../../src/cli/capture.js';
import { REPO_ROOT } from '../support/corpus.js';

test('docs/cli.md covers every flag of every command', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
  for (const [command, help] of [['replay', REPLAY_HELP], ['up', UP_HELP], ['agent', AGENT_HELP], ['capabilities', CAPABILITIES_HELP], ['tail', TAIL_HELP], ['ctl', CTL_HELP], ['capture', CAPTURE_HELP]] as const) {
    const section = doc.slice(doc.indexOf(`## \`weft ${command}`));
    for (const flag of new Set([...help.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]))) {
      assert.ok(section.includes(`\`${flag}`), `docs/cli.md lacks ${flag} of weft ${command}`);
    }
  }
});
