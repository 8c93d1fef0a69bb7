// One figure of a benchmark, beside the reference it is judged against, measured in the same run
// (a figure alone says little on a shared machine; its ratio to a reference says more).

export interface BenchReference {
  /** What the reference measured, e.g. "JSON.parse of the same bytes". */
  name: string;
  value: number;
}

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the reference (same unit); absent for plain counts. */
  reference?: BenchReference;
}

/** value / reference, or undefined when there is no reference or it is zero. */
export function ratio(row: BenchRow): number | undefined {
  const ref = row.reference;
  if (ref === undefined || ref.value === 0 || !Number.isFinite(ref.value)) return undefined;
  return row.value / ref.value;
}

export function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(Math.abs(value) < 10 ? 3 : 1);
}

/** Rows as a table: figure, unit, reference, ratio. */
export function formatRows(rows: readonly BenchRow[]): string {
  const nameWidth = Math.min(72, Math.max(20, ...rows.map((row) => row.name.length)));
  const refWidth = Math.min(56, Math.max(9, ...rows.map((row) => row.reference?.name.length ?? 0)));
  const lines = [
    `${"figure".padEnd(nameWidth)} ${"value".padStart(12)} unit      ${"reference".padEnd(refWidth)} ${"value".padStart(12)}    ratio`,
  ];
  for (const row of rows) {
    const ref = row.reference;
    const r = ratio(row);
    lines.push(
      `${row.name.padEnd(nameWidth)} ${formatValue(row.value).padStart(12)} ${row.unit.padEnd(9)} ${(ref?.name ?? "-").padEnd(refWidth)} ${(ref === undefined ? "" : formatValue(ref.value)).padStart(12)} ${(r === undefined ? "" : `${r.toFixed(2)}x`).padStart(8)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
