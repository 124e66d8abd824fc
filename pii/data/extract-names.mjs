// Regenerates first_names.txt and last_names.txt from @faker-js/faker's
// locale data (MIT licence; see SOURCES.md). Run from this folder:
//
//   npm pack @faker-js/faker@10.6.0 && tar xzf faker-js-faker-10.6.0.tgz
//   node extract-names.mjs package/dist/index.js && rm -rf package faker-js-faker-10.6.0.tgz
//
// Only names written in Latin script, two characters or longer, are kept:
// the recognizer looks up capitalised words.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const { allFakers } = await import(pathToFileURL(resolve(process.argv[2])).href);
const latin = /^[\p{Script=Latin}][\p{Script=Latin}'’-]*$/u;
const first = new Set(), last = new Set();
const flat = (v) => (Array.isArray(v) ? v : Object.values(v ?? {}).flat());
for (const f of Object.values(allFakers)) {
  const p = f.rawDefinitions.person;
  if (!p) continue;
  for (const n of flat(p.first_name)) if (latin.test(n) && n.length > 1) first.add(n.normalize('NFC'));
  for (const n of flat(p.last_name)) if (latin.test(n) && n.length > 1) last.add(n.normalize('NFC'));
}
const out = (s) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join('\n') + '\n';
writeFileSync('first_names.txt', out(first));
writeFileSync('last_names.txt', out(last));
console.log(`${first.size} first names, ${last.size} last names`);
