// `npm run schema`: writes schemas/stage-config.schema.json from the one stage-config schema
// (shared/config.ts). Editors read it for completion of stage files (package.json's
// yamlValidation); test/unit/engine/config-schema.test.ts fails when it is out of date.
import { writeFileSync } from 'node:fs';
import { stageConfigJsonSchema } from '../out/shared/config.js';

const file = new URL('../schemas/stage-config.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(stageConfigJsonSchema(), null, 2) + '\n');
console.log(`wrote ${file.pathname}`);
