"""The data audit's HTML report: one self-contained page (inline CSS, no scripts, nothing fetched).

Every value from the dataset goes through Jinja2's autoescaping, so a training example that
contains HTML or a script shows as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sincere import jsonl

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>sincere data audit: {{ s.input }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{padding:4px 8px;border-bottom:1px solid #eee;
text-align:left;vertical-align:top}th{background:#f6f6f6}.bar{background:#4a7fb5;height:12px;display:inline-block}
.num{text-align:right;white-space:nowrap}.warn{background:#fde8e8;border:1px solid #e0a0a0;padding:.8em}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em}
.card b{font-size:1.4em;display:block}.flag{color:#a33;font-weight:600}.small{color:#666;font-size:.85em}
</style></head><body>
<h1>Training data audit</h1>
<p>{{ s.input }} &middot; {{ s.n_examples }} examples &middot; formats:
{% for k, v in s.formats.items() %}{{ k }} {{ v }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
{% if not s.complete %}<p class="warn"><b>Incomplete:</b> {{ s.malformed.count }} malformed record(s) were
skipped (listed at the end); every figure below covers only the {{ s.n_examples }} well-formed examples.</p>{% endif %}
<div class="cards">
<div class="card"><b>{{ pct(s.shares.warmth_heavy) }}</b>warmth-heavy</div>
<div class="card"><b>{{ pct(s.shares.accuracy_critical) }}</b>accuracy-critical</div>
<div class="card"><b>{{ pct(s.shares.warmth_heavy_and_accuracy_critical) }}</b>both (the study's risk)</div>
<div class="card"><b>{{ pct(s.shares.flagged) }}</b>flagged ({{ s.n_flagged }})</div>
</div>
<p class="small">Warmth levels from {{ s.measures[s.warmth_basis] if s.warmth_basis in s.measures
 else "lexical warmth markers" }}{% if s.warmth_basis in s.measures %} (low below {{ s.warmth_thresholds[0] }},
 high from {{ s.warmth_thresholds[1] }}){% endif %}.
Accuracy-critical: factual or technical queries, user claims, or a reference.</p>
<h2>Query types</h2>{{ shares_table(s.query_types) }}
<p class="small">Decided by: {% for k, v in s.query_type_decided_by.items() %}{{ k }} {{ v }}
{% if not loop.last %}, {% endif %}{% endfor %}</p>
<h2>Warmth levels</h2>{{ shares_table(s.warmth_levels) }}
{% for name, title in (("warmth", "Warmth (tone, 1-7)"), ("sociot", "SocioT warmth (nats/token)")) %}
{% if s[name] and s[name].n %}<h2>{{ title }}</h2>{{ hist(s[name].histogram) }}
<p class="small">median {{ s[name].p50 }}, 10th-90th percentile {{ s[name].p10 }} to {{ s[name].p90 }}</p>
{% endif %}{% endfor %}
<h2>Reply length (words)</h2>{{ hist(s.reply_words.histogram) }}
<h2>Claims, correctness, drift</h2>
<table><tr><th>measure</th><th>counts</th></tr>
<tr><td>claims in user turns</td><td>{{ counts(s.claims.kinds) }}</td></tr>
<tr><td>reply's stance to the claim</td><td>{{ counts(s.claims.stances) }}</td></tr>
<tr><td>correctness (examples with a reference)</td><td>{{ counts(s.correctness) }}</td></tr>
<tr><td>sycophancy (false claims with a reference)</td><td>{{ counts(s.sycophancy) }}</td></tr>
<tr><td>rewrites with an original</td><td>{{ s.drift.with_original }} ({{ s.drift.drifting }} drifting)</td></tr>
</table>
<h2>Flags</h2>{% if s.flags %}<table><tr><th>flag</th><th class="num">examples</th></tr>
{% for k, v in s.flags.items() %}<tr><td>{{ k }}</td><td class="num">{{ v }}</td></tr>{% endfor %}</table>
{% else %}<p>No example was flagged.</p>{% endif %}
{% set p = s.get("projection") %}{% if p %}<h2>Inside the model: projection on the {{ p.trait }} direction</h2>
<p class="small">For each example, the projection of its final reply minus that of {{ p.model }}'s own reply to the
same prompt (layer {{ p.layer }}, {{ p.vectors }}). Above 0, training on the example moves the model toward
{{ p.trait }}; the largest {{ pct(p.share) }} of all examples (positive differences only) are flagged
<span class="flag">projection</span>.</p>
<table><tr><th>measure</th><th class="num">value</th></tr>
<tr><td>mean projection difference (95% bootstrap CI)</td><td class="num">{{ signed(p.mean_difference.mean) }}
[{{ signed(p.mean_difference.low) }}, {{ signed(p.mean_difference.high) }}]</td></tr>
<tr><td>examples screened</td><td class="num">{{ p.n }}</td></tr>
<tr><td>skipped (no prompt before the final assistant turn)</td><td class="num">{{ p.n_skipped }}</td></tr>
<tr><td>flagged (difference at or above {{ signed(p.threshold) }})</td><td class="num">{{ p.n_flagged }}</td></tr>
</table>{% endif %}
{% set d = s.get("periods") %}{% if d and d.periods %}<h2>Drift by {{ d.by }}, against {{ d.reference }}</h2>
<p class="small">Per period: the share of replies that go along with a claim the user stated (of the replies to
one), the share that decline, the mean tone warmth and projection difference, with 95% intervals. A measure marked
<span class="flag">differs</span> is significantly different from {{ d.reference }} (Benjamini-Hochberg adjusted
p &lt; {{ d.alpha }}).{% if d.undated %} {{ d.undated }} records had no readable time.{% endif %}</p>
<table><tr><th>period</th><th class="num">n</th><th>goes along</th><th>declines</th><th>warmth</th>
<th>projection</th></tr>{% for p in d.periods %}<tr><td>{{ p.period }}</td><td class="num">{{ p.n }}</td>
{% for m in ("goes_along", "declines") %}<td>{% if p[m].share is none %}-{% else %}{{ pct(p[m].share) }}
[{{ pct(p[m].low) }}, {{ pct(p[m].high) }}] of {{ p[m].n }}{% endif %}{% if m in p.flags %}
<span class="flag">differs</span>{% endif %}</td>{% endfor %}
{% for m in ("warmth", "projection_difference") %}<td>{% if p[m].mean is none %}-{% else %}
{{ "%.2f"|format(p[m].mean) }} [{{ "%.2f"|format(p[m].low) }}, {{ "%.2f"|format(p[m].high) }}]{% endif %}
{% if m in p.flags %}
<span class="flag">differs</span>{% endif %}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
<h2>Flagged examples{% if s.n_flagged > flagged|length %} (first {{ flagged|length }} of {{ s.n_flagged }};
all in examples.jsonl){% endif %}</h2>
{% if flagged %}<table><tr><th>example</th><th>type / warmth</th><th>why</th><th>user</th><th>reply</th></tr>
{% for r in flagged %}<tr><td>{{ r.id }}<div class="small">{{ r.source }}</div></td>
<td>{{ r.query_type }}<div class="small">{{ r.warmth_level }}</div></td>
<td>{% for f in r.flags %}<div><span class="flag">{{ f.flag }}</span>: {{ f.reason }}</div>{% endfor %}</td>
<td>{{ r.user_excerpt }}</td><td>{{ r.reply_excerpt }}</td></tr>{% endfor %}</table>{% endif %}
{% if s.malformed.count %}<h2>Malformed records ({{ s.malformed.count }})</h2>
<table><tr><th>where</th><th>reason</th></tr>{% for m in s.malformed.listed %}
<tr><td>{{ m.source }}</td><td>{{ m.reason }}</td></tr>{% endfor %}</table>
{% if s.malformed.count > s.malformed.listed|length %}<p>(first {{ s.malformed.listed|length }} listed)</p>{% endif %}
{% endif %}
<h2>Settings</h2><table>{% for k, v in s.options.items() %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}
</table></body></html>
"""

MACROS = """{% macro shares_table(rows) %}<table><tr><th>name</th><th class="num">count</th><th class="num">share</th>
<th></th></tr>{% for r in rows %}<tr><td>{{ r.name }}</td><td class="num">{{ r.count }}</td>
<td class="num">{{ pct(r.share) }}</td><td><span class="bar" style="width:{{ (r.share * 300)|round(1) }}px">
</span></td></tr>{% endfor %}</table>{% endmacro %}
{% macro hist(bins) %}{% set top = bins|map(attribute="count")|max if bins else 1 %}<table>
{% for b in bins %}<tr><td class="num">{{ "%.3g"|format(b.low) }} to {{ "%.3g"|format(b.high) }}</td>
<td class="num">{{ b.count }}</td>
<td><span class="bar" style="width:{{ (b.count / (top or 1) * 300)|round(1) }}px"></span></td></tr>{% endfor %}
</table>{% endmacro %}
{% macro counts(d) %}{% for k, v in d.items() %}{{ k }} {{ v }}{% if not loop.last %}, {% endif %}
{% else %}none{% endfor %}{% endmacro %}
"""


def render(summary: dict[str, Any], flagged: list[dict[str, Any]]) -> str:
    """The report page for a summary and its flagged rows."""
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["pct"] = lambda share: f"{100 * share:.1f}%"
    env.globals["signed"] = lambda value: "-" if value is None else f"{value:+.3f}"
    template = env.from_string(MACROS + TEMPLATE)
    return template.render(s=summary, flagged=flagged)


def write_report(path: Path, summary: dict[str, Any], flagged: list[dict[str, Any]],
                 protect: tuple[Path, ...] = ()) -> Path:
    """Write report.html (atomically, never over an input)."""
    with jsonl.atomic_writer(path, protect=protect) as handle:
        handle.write(render(summary, flagged))
    return path
