// What the classic import tells the user about each key it moved, mapped, filled in or left out.

export type NoticeKind =
  /** A credential went to secure.yaml, or connection details to clouds.yaml. */
  | "moved"
  /** Converted into a cloudscheduler.yaml key (possibly with a change of unit or meaning). */
  | "mapped"
  /** The classic file lacks a value cloudscheduler.yaml requires: a marked placeholder was written. */
  | "placeholder"
  /** No place in cloudscheduler.yaml; left out, with the reason. */
  | "not-imported"
  /** A whole cloud section was skipped (not OpenStack). */
  | "skipped"
  /** A name was changed to fit cloudscheduler's naming rules. */
  | "renamed";

export interface ImportNotice {
  kind: NoticeKind;
  /** The classic file the notice is about. */
  file: string;
  line?: number;
  section?: string;
  key?: string;
  /** Never contains a credential value. */
  message: string;
}

export function formatNotice(n: ImportNotice): string {
  const where = n.line ? `${n.file}:${n.line}` : n.file;
  const section = n.section ? ` [${n.section}]` : "";
  const key = n.key ? ` ${n.key}` : "";
  return `${where}${section}${key}: ${n.message}`;
}
