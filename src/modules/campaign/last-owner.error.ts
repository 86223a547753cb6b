/** Thrown inside a transaction to roll a removal back: the campaign keeps at least one owner. */
export class LastOwnerError extends Error {}
