// Reads JSON lines {"id": N, "text": "..."} on stdin and writes, for each,
// {"id": N, "iocs": {type: [values]}} with ioc-extractor's own refanging.
const path = require('path');
const readline = require('readline');
const { extractIOC } = require(path.join(__dirname, 'out', 'npm', 'node_modules', 'ioc-extractor'));

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const c = JSON.parse(line);
  const iocs = extractIOC(c.text, { refang: true });
  process.stdout.write(JSON.stringify({ id: c.id, iocs }) + '\n');
});
