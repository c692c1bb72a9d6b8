import Table from 'cli-table3';
import type { Gender } from './dataset';
import {
  GENDER_RULES,
  type AgeCandidateResult,
  type FairnessStudy,
  type FittedGenderRule,
  type GenderRuleResult,
} from './fairness';
import { NESTED_ROW, type GeneralisationStudy, type HeldOutResult } from './generalisation';
import { AGE_GROUPS, type AgeGroup, type Tally } from './metrics';
import { num, pct, signedPoints, tallyCell } from './report';

/** What `storelens eval-fairness` measured besides the study itself. */
export interface FairnessRunInfo {
  dataset: string;
  /** Labelled rows (sex and age range both usable) and what became of their images. */
  labels: {
    rows: number;
    /** Rows with a usable sex and age range. */
    usable: number;
    faces: number;
    noFace: number;
    missing: number;
    unreadable: number;
    /** Of the usable rows whose image could be read: faces found, per sex and per age group. */
    foundBySex: Record<Gender, Tally>;
    foundByAgeGroup: Record<AgeGroup, Tally>;
  };
  /** Model ids, by study score name. */
  models: Record<string, string>;
  /** Median milliseconds per face, crop included (null when not run). */
  msPerFace: { faceapiCropAndMirror: number | null; faceres: number | null };
  /** DEFAULT_MALE_THRESHOLD and DEFAULT_YOUNG_MALE_THRESHOLD as configured in @storelens/inference. */
  shippedMaleThreshold: number;
  shippedYoungMaleThreshold: number;
  warnings: string[];
}

export interface FairnessReport extends FairnessRunInfo {
  study: FairnessStudy;
  /** The rules judged on whole groups held out (generalisation.ts). */
  generalisation: GeneralisationStudy | null;
}

function withCi(a: { right: number; n: number; accuracy: number | null; ci95: [number, number] }): string {
  if (a.n === 0) return 'n/a';
  return `${pct(a.accuracy, 1)} [${pct(a.ci95[0], 1)}, ${pct(a.ci95[1], 1)}] (${a.right}/${a.n})`;
}

function heldOutRow(r: HeldOutResult): string[] {
  const pts = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
  const gap =
    r.gap.value === null || !r.gap.ci95
      ? 'n/a'
      : `${pts(r.gap.value)} [${pts(r.gap.ci95[0])}, ${pts(r.gap.ci95[1])}] points`;
  const name = r.choices
    ? `${r.rule} (${Object.entries(r.choices)
        .map(([k, v]) => `${k} ×${v}`)
        .join('; ')})`
    : r.rule;
  return [
    name,
    withCi(r.adults.male),
    withCi(r.adults.female),
    pct(r.balanced, 1),
    gap,
    r.errorRatio === null ? 'n/a' : num(r.errorRatio, 2),
    `${r.allAges.right}/${r.allAges.n}`,
  ];
}

/** The held-out-groups tables of eval-fairness. */
export function renderGeneralisation(g: GeneralisationStudy): string {
  const out: string[] = [
    'Faces the rule has not seen: each face judged by a rule fitted without its whole group. Adults 20+; 95 % ' +
      "Wilson intervals per sex, Newcombe's for the gap; error ratio = women's error rate / men's.",
  ];
  for (const grouping of g.groupings) {
    const sizes = Object.entries(grouping.groups)
      .map(([k, v]) => `${k}: ${v.faces} (${v.adultMen} m, ${v.adultWomen} w)`)
      .join('; ');
    const t = table(['Rule', 'Men', 'Women', 'Balanced', 'Gap (m − w)', 'Error ratio w/m', 'All ages']);
    for (const r of [...grouping.rules, grouping.nested]) t.push(heldOutRow(r));
    out.push('', `Held out: ${grouping.name} (${grouping.description}). Groups: ${sizes}`, t.toString());
  }
  out.push(
    '',
    `"${NESTED_ROW}": the family is chosen again inside each training set (by the same held-out-group test ` +
      'on it), so no face it is judged on helped choose or fit its rule.',
    `On the whole set the procedure chooses: ${g.chosen.family} ${JSON.stringify(g.chosen.describe)}`,
  );
  return out.join('\n') + '\n';
}

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}

function ruleThreshold(f: FittedGenderRule): string {
  // a fused face-api logit reads as a p(male); a combination with FaceRes shows its weights
  const simple = f.pMaleThreshold !== null && !Object.keys(f.weights).some((k) => k === 'faceres');
  const at = (t: { threshold: number; pMaleThreshold: number | null }): string =>
    simple && t.pMaleThreshold !== null ? num(t.pMaleThreshold) : num(t.threshold, 3);
  const lhs = simple
    ? 'p(male)'
    : Object.entries(f.weights)
        .map(([k, v]) => `${Number(v.toFixed(3))}·${k}`)
        .join(' + ');
  const young = f.young ? `; under ${f.young.below}: ${at(f.young)}` : '';
  return `${lhs} ≥ ${at(f)}${young}`;
}

function rate(t: Tally): string {
  return t.n === 0 ? 'n/a' : pct(t.accuracy, 1);
}

function genderRows(rules: GenderRuleResult[]): string {
  const t = table([
    'Rule',
    'Threshold (fitted on the whole set)',
    'Men',
    'Women',
    'Balanced',
    'Gap (m − w)',
    'All ages',
  ]);
  for (const r of rules) {
    const a = r.outOfFold.adults;
    t.push([
      r.inSample ? `${r.name} (in-sample)` : r.name,
      ruleThreshold(r.final),
      tallyCell(a.bySex.male),
      tallyCell(a.bySex.female),
      pct(a.balancedAccuracy, 1),
      signedPoints(a.gap),
      tallyCell(r.outOfFold),
    ]);
  }
  return t.toString();
}

function byAgeGroup(rules: GenderRuleResult[]): string {
  const head = ['Age group'];
  for (const r of rules) head.push(`${r.name}: men`, 'women');
  const t = table(head);
  for (const g of AGE_GROUPS) {
    const row: string[] = [g];
    for (const r of rules)
      row.push(rate(r.outOfFold.byAgeGroupAndSex[g].male), rate(r.outOfFold.byAgeGroupAndSex[g].female));
    t.push(row);
  }
  return t.toString();
}

function ageRows(candidates: AgeCandidateResult[]): string {
  const groups = AGE_GROUPS.filter((g) => candidates.some((c) => c.outOfFold.byAgeGroup[g].n > 0));
  const t = table(['Age estimate', 'All', 'Balanced', 'Worst group', ...groups]);
  for (const c of candidates) {
    const o = c.outOfFold;
    t.push([
      c.name,
      tallyCell(o.all),
      pct(o.balanced, 1),
      o.worst ? `${o.worst.group} ${pct(o.worst.rate, 1)}` : 'n/a',
      ...groups.map((g) => rate(o.byAgeGroup[g])),
    ]);
  }
  return t.toString();
}

/** The text form of `storelens eval-fairness`. */
export function renderFairnessReport(r: FairnessReport): string {
  const s = r.study;
  const o = s.options;
  const l = r.labels;
  const out: string[] = [];
  out.push(`StoreLens fairness study on ${r.dataset}`);
  out.push(
    `${l.rows} labelled rows, ${l.usable} with sex and age range: ${l.faces} with a face, ${l.noFace} without, ` +
      `${l.missing} missing, ${l.unreadable} unreadable`,
  );
  out.push(
    `Faces found: men ${tallyCell(l.foundBySex.male)}, women ${tallyCell(l.foundBySex.female)} ` +
      `(a face not found is never counted, so this skews counts too)`,
  );
  out.push(
    `Models: ${Object.entries(r.models)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  const ms = r.msPerFace;
  out.push(
    `Median time per face, crops included: face-api (crop, 4 shifts, their mirrors) ${num(ms.faceapiCropAndMirror, 1)} ms` +
      (ms.faceres !== null ? `, FaceRes ${num(ms.faceres, 1)} ms` : ''),
  );
  out.push(
    `Method: ${o.folds}-fold cross-validation stratified by sex × age group (seed ${o.seed}). Each fold's rule is ` +
      `fitted on the other folds' adults (20+): the threshold with the best balanced accuracy among those leaving ` +
      `|men − women| ≤ ${(o.maxGap * 100).toFixed(1)} points. Figures below are out of fold unless marked in-sample.`,
  );
  out.push(`Study faces: ${s.samples.total} (adults: ${s.samples.adults.male} men, ${s.samples.adults.female} women)`);

  out.push('', 'Gender, adults 20+ (out of fold)', genderRows(s.gender.rules));
  const shown = s.gender.rules.filter((x) =>
    [s.gender.rules[0]?.name, GENDER_RULES.mirrorYoung, s.gender.chosen].includes(x.name),
  );
  out.push('', 'Gender accuracy by age group and sex (out of fold)', byAgeGroup(shown));

  if (s.gender.comparisons.length > 0) {
    const t = table(['A', 'B', 'Adults', 'Only A right', 'Only B right', 'Exact McNemar p']);
    for (const c of s.gender.comparisons)
      t.push([c.a, c.b, String(c.n), String(c.onlyA), String(c.onlyB), num(c.pValue, 4)]);
    out.push('', 'Paired comparisons (adults, out of fold)', t.toString());
  }

  out.push('', 'Age group hit rate: estimate inside the labelled range (out of fold)', ageRows(s.age.candidates));
  for (const d of s.age.decisions) out.push(`${d.name}: ${d.adopted ? 'ADOPT' : 'not adopted'}: ${d.reason}`);

  const chosen = s.gender.rules.find((x) => x.name === s.gender.chosen);
  if (chosen) {
    const close = (a: number | null | undefined, b: number): boolean =>
      a !== null && a !== undefined && Math.abs(a - b) < 5e-5;
    const same =
      close(chosen.final.pMaleThreshold, r.shippedMaleThreshold) &&
      (!chosen.final.young || close(chosen.final.young.pMaleThreshold, r.shippedYoungMaleThreshold));
    out.push(
      '',
      `Chosen gender rule: ${chosen.name}, fitted on the whole set: ${ruleThreshold(chosen.final)}. ` +
        `Shipped: DEFAULT_MALE_THRESHOLD = ${r.shippedMaleThreshold}, ` +
        `DEFAULT_YOUNG_MALE_THRESHOLD = ${r.shippedYoungMaleThreshold}` +
        (same ? ' (they match).' : ' (they DIFFER: update them, or say why not).'),
    );
  }
  if (r.generalisation) out.push('', renderGeneralisation(r.generalisation).trimEnd());
  if (r.warnings.length > 0)
    out.push('', `Warnings (${r.warnings.length}):`, ...r.warnings.slice(0, 10).map((w) => `  ${w}`));
  return out.join('\n') + '\n';
}
