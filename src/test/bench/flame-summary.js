// Summarises an async-profiler HTML flame graph: share of all samples under frames matching each pattern (nested
// matches counted once) and the hottest frames by self time. Usage: node flame-summary.js profile.html [pattern...]
const fs = require('fs');
const html = fs.readFileSync(process.argv[2], 'utf8');
const start = html.indexOf('const cpool = [');
const end = html.indexOf('</script>', start);
const levels = [];
let level0 = 0, left0 = 0, width0 = 0;
let cpool;
function f(key, level, left, width) {
  (levels[level0 = level] ||= []).push({ level, left: left0 += left, width: width0 = width || width0,
    title: cpool[key >>> 3] });
}
function u(key, width) { f(key, level0 + 1, 0, width); }
function n(key, width) { f(key, level0, width0, width); }
function unpack(c) { for (let i = 1; i < c.length; i++) c[i] = c[i - 1].substring(0, c[i].charCodeAt(0) - 32) + c[i].substring(1); }
eval(html.substring(start, end).replace('const cpool', 'cpool').replace(/\nsearch\(\);\s*$/, ''));
const total = levels[0].reduce((s, x) => s + x.width, 0);
const all = levels.flat();
function share(pattern) {
  const re = new RegExp(pattern);
  const counted = [];
  let sum = 0;
  for (const fr of all.filter(x => re.test(x.title)).sort((a, b) => a.level - b.level)) {
    if (counted.some(c => fr.left >= c.left && fr.left < c.left + c.width)) continue;
    counted.push(fr); sum += fr.width;
  }
  return sum;
}
const pct = x => (100 * x / total).toFixed(1).padStart(5) + ' %';
console.log(`total samples ${total}`);
for (const p of process.argv.slice(3)) console.log(`${pct(share(p))}  ${p}`);
const self = new Map();
for (let l = 0; l < levels.length; l++) for (const fr of levels[l]) {
  const kids = (levels[l + 1] || []).filter(k => k.left >= fr.left && k.left < fr.left + fr.width)
      .reduce((s, k) => s + k.width, 0);
  self.set(fr.title, (self.get(fr.title) || 0) + fr.width - kids);
}
console.log('hottest self frames:');
[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).forEach(([t, w]) => console.log(`${pct(w)}  ${t}`));
