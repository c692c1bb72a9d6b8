import Table from 'cli-table3';
import { EMOTIONS } from './dataset';
import type { EvaluationResult } from './evaluate';
import { AGE_GROUPS, type Tally, type TarAtFar } from './metrics';

/** Plain tables (no colour codes), so the text is the same in a terminal, a pipe or a log file. */
function table(head?: string[]): Table.Table {
  return new Table({ head: head ?? [], style: { head: [], border: [], compact: true } });
}

export function pct(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
}

export function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(digits);
}

function tarCell(t: TarAtFar | null): string {
  if (!t) return 'n/a';
  const note = t.resolved ? '' : `, only ${t.impostor} impostor pairs`;
  return `${pct(t.tar)} (threshold ${num(t.threshold)}, FAR reached ${pct(t.far, 3)}${note})`;
}

export function tallyCell(t: Tally): string {
  return t.n === 0 ? 'n/a' : `${pct(t.accuracy)} (${t.correct}/${t.n})`;
}

/** A difference of two rates in percentage points, with its sign. */
export function signedPoints(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined) return 'n/a';
  const v = (x * 100).toFixed(digits);
  return `${x > 0 ? '+' : ''}${v} points`;
}

const MAX_LISTED = 10;

function listSome(title: string, items: string[]): string[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, MAX_LISTED).map((i) => `  ${i}`);
  if (items.length > MAX_LISTED) shown.push(`  … and ${items.length - MAX_LISTED} more`);
  return [`${title} (${items.length}):`, ...shown];
}

/** A readable text rendering of an evaluation result (the non-JSON output of `storelens eval`). */
export function renderReport(r: EvaluationResult): string {
  const out: string[] = [];
  const f = r.files;
  out.push(`StoreLens evaluation of ${r.dataset}`);
  if (r.analyser) {
    out.push(
      `Analyser: ${Object.entries(r.analyser)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  out.push(
    `Default threshold ${r.threshold} · ${f.analysed} images analysed: ${f.faces} with a face, ${f.noFace} without, ` +
      `${f.unreadable} unreadable · ${f.missing} missing files`,
  );

  const v = r.verification;
  out.push('', 'Verification (pairs.csv)');
  if (!v) out.push('  not evaluated (no usable pairs.csv)');
  else {
    const t = table(['Metric', 'Value']);
    t.push(
      ['Pairs scored', `${v.pairs} (${v.genuine} genuine, ${v.impostor} impostor)`],
      [`Accuracy @ ${v.defaultThreshold}`, pct(v.accuracyAtDefault)],
      [`TAR / FAR @ ${v.defaultThreshold}`, `${pct(v.tarAtDefault)} / ${pct(v.farAtDefault, 3)}`],
      ['Best accuracy', `${pct(v.bestAccuracy)} @ ${num(v.bestThreshold)}`],
      ['ROC AUC', num(v.auc)],
      ['TAR @ FAR 1e-2', tarCell(v.tarAtFarDetail['1e-2'])],
      ['TAR @ FAR 1e-3', tarCell(v.tarAtFarDetail['1e-3'])],
      ['Pairs with no face (scored "different")', String(v.noFace)],
      ['Pairs skipped: missing / unreadable file', `${v.missingPairs} / ${v.unreadablePairs}`],
      ['Invalid rows', String(v.invalidRows)],
    );
    out.push(t.toString());
  }

  const id = r.identification;
  out.push('', 'Identification (identities/)');
  if (!id) out.push('  not evaluated (no identities/ folder with images)');
  else {
    const c = id.closedSet;
    const cc = id.closedSetCentroid;
    const o = id.openSet;
    const t = table(['Metric', 'Value']);
    t.push(
      ['Identities / images', `${id.identities} / ${id.images} (${id.noFace} no face, ${id.unreadable} unreadable)`],
      [
        'Closed set rank-1, leave-one-out, nearest neighbour',
        `${tallyCell({ n: c.probes, correct: c.correct, accuracy: c.accuracy })}; ${c.skippedSingletons} singletons skipped`,
      ],
      [
        'Closed set rank-1, leave-one-out, identity mean',
        tallyCell({ n: cc.probes, correct: cc.correct, accuracy: cc.accuracy }),
      ],
      [
        `Open set @ ${o.threshold}: held out`,
        `${o.heldOutIdentities.length} of ${o.heldOutIdentities.length + o.knownIdentities} identities (fraction ${o.heldOutFraction})`,
      ],
      [
        'Known faces correctly identified',
        `${pct(o.known.correctIdentificationRate)} (${o.known.correct}/${o.known.probes}; ` +
          `${o.known.misidentified} wrong name, ${o.known.rejected} called unknown)`,
      ],
      [
        'Held-out faces wrongly named (FAR)',
        `${pct(o.unknown.falseAcceptRate)} (${o.unknown.falseAccepts}/${o.unknown.probes})`,
      ],
      [
        'Held-out faces called unknown',
        `${pct(o.unknown.correctRejectRate)} (${o.unknown.correctRejects}/${o.unknown.probes})`,
      ],
    );
    out.push(t.toString());
  }

  const re = r.reidentification;
  if (re) {
    const range = (x: { mean: number | null; min: number | null }): string =>
      x.mean === null ? 'n/a' : `${pct(x.mean)} (worst order ${pct(x.min)})`;
    const t = table(['Metric', 'Value']);
    t.push(
      [
        'Sightings / people',
        `${re.sightings} photos of ${re.people} people (${re.seenOnce} seen once), each photo one sighting`,
      ],
      ['Orders (shuffled, seeded)', String(re.orders)],
      ['Pairwise precision of "same visitor"', range(re.precision)],
      ['Pairwise recall of "same visitor"', range(re.recall)],
      [
        'Visitors created',
        `${num(re.visitors.mean, 1)} on average (${re.visitors.min}–${re.visitors.max}) for ${re.people} people`,
      ],
      ['Visitors per person', `${num(re.visitorsPerPerson.mean, 2)} on average, at most ${re.visitorsPerPerson.max}`],
      ['Visitors mixing people', `${num(re.mixedVisitors.mean, 1)} on average, at most ${re.mixedVisitors.max}`],
      [
        'People split over several visitors, first order',
        Object.entries(re.byPerson)
          .filter(([, n]) => n > 1)
          .map(([p, n]) => `${p} ${n}`)
          .join(', ') || 'none',
      ],
    );
    const sw = table(['Visitor threshold', 'Precision', 'Recall', 'Visitors', 'Visitors mixing people']);
    for (const x of re.sweep)
      sw.push([
        x.threshold === re.visitorThreshold ? `${x.threshold} (configured)` : String(x.threshold),
        pct(x.precision),
        pct(x.recall),
        num(x.visitors, 1),
        num(x.mixedVisitors, 1),
      ]);
    out.push(
      '',
      `Re-identification of strangers (identities/ as anonymous visitors, threshold ${re.visitorThreshold})`,
      t.toString(),
      `Other visitor thresholds (mean over ${re.orders} orders; ${re.people} people):`,
      sw.toString(),
    );
  }

  const a = r.attributes;
  out.push('', `Attributes (${a?.file ?? 'attributes.csv'})`);
  if (!a) out.push('  not evaluated (no usable attributes.csv)');
  else {
    const k = a.counts;
    const t = table(['Metric', 'Value']);
    t.push(
      [
        'Rows',
        `${k.rows}: ${k.evaluated} evaluated, ${k.noFace} no face, ${k.missing} missing, ${k.unreadable} unreadable, ` +
          `${k.unlabelled} unlabelled, ${k.invalidRows} invalid`,
      ],
      ['Gender accuracy', `${pct(a.genderAccuracy)} (n=${k.gender})`],
      ['Age MAE (exact ages)', `${num(a.ageMae, 2)} years (n=${k.age}; bias ${num(a.ageBias, 2)})`],
      ['Age range hit rate', `${pct(a.ageRangeHitRate)} (n=${k.ageRange})`],
      ['Emotion accuracy', `${pct(a.emotionAccuracy)} (n=${k.emotion})`],
    );
    out.push(t.toString());

    if (k.gender > 0) {
      const ad = a.genderAdults;
      const g = table(['Gender accuracy by true sex', 'All ages', 'Adults (20+)']);
      for (const sex of ['male', 'female'] as const)
        g.push([sex, tallyCell(a.genderBySex[sex]), tallyCell(ad.bySex[sex])]);
      g.push(['balanced (mean of the two)', '', pct(ad.balancedAccuracy)]);
      g.push(['gap (male − female)', '', signedPoints(ad.gap)]);
      out.push(g.toString());
    }
    const groups = AGE_GROUPS.filter((grp) => k.genderByAgeGroup[grp] > 0 || a.ageRangeHitsByAgeGroup[grp].n > 0);
    if (groups.length > 0) {
      const g = table(['Age group', 'Gender: both', 'male', 'female', 'Age in range']);
      for (const grp of groups) {
        const bySex = a.genderByAgeGroupAndSex[grp];
        const both: Tally = {
          n: bySex.male.n + bySex.female.n,
          correct: bySex.male.correct + bySex.female.correct,
          accuracy: a.genderAccuracyByAgeGroup[grp],
        };
        g.push([
          grp,
          tallyCell(both),
          tallyCell(bySex.male),
          tallyCell(bySex.female),
          tallyCell(a.ageRangeHitsByAgeGroup[grp]),
        ]);
      }
      out.push(g.toString());
    }
    if (k.age > 0) {
      const g = table(['Age group', 'MAE (years)', 'n']);
      for (const grp of AGE_GROUPS) {
        const m = a.ageMaeByAgeGroup[grp];
        if (m.n > 0) g.push([grp, num(m.mae, 2), String(m.n)]);
      }
      out.push(g.toString());
    }
    if (k.emotion > 0) {
      const columns = Object.keys(a.emotionConfusion[EMOTIONS[0]] ?? {});
      const m = table(['true \\ predicted', ...columns, 'accuracy']);
      for (const e of EMOTIONS) {
        const row = a.emotionConfusion[e];
        m.push([e, ...columns.map((c) => String(row[c] ?? 0)), tallyCell(a.emotionByLabel[e])]);
      }
      out.push('Emotion confusion matrix (rows: true label, columns: predicted)', m.toString());
    }
  }

  const problems = [
    ...listSome('Missing files', r.problems.missing),
    ...listSome(
      'Unreadable files',
      r.problems.unreadable.map((u) => `${u.file}: ${u.error}`),
    ),
    ...listSome('Warnings', r.warnings),
  ];
  if (problems.length > 0) out.push('', ...problems);
  return out.join('\n') + '\n';
}
