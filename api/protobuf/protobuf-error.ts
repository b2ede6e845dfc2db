/** Why a Kubernetes protobuf body could not be decoded. */
export const ProtobufErrorCode = {
  /** Not `k8s\0` + runtime.Unknown, or a message that does not parse as proto2 wire format. */
  Malformed: 'Malformed',
  /** The envelope names an apiVersion/kind Kite has no decoding table for. */
  UnknownKind: 'UnknownKind',
  /** A field with a non-zero value that Kite's tables do not know; decoding it would lose data. */
  UnknownField: 'UnknownField',
} as const;
export type ProtobufErrorCode = (typeof ProtobufErrorCode)[keyof typeof ProtobufErrorCode];

/** The one error the protobuf decoder throws; api/negotiate translates it to a Status. */
export class ProtobufError extends Error {
  /** Which kind of failure. */
  readonly code: ProtobufErrorCode;
  /** apiVersion/kind from the envelope, when it was read. */
  readonly kind: string | undefined;
  /** Dotted JSON path of the field being decoded, when known. */
  readonly path: string | undefined;

  constructor(code: ProtobufErrorCode, message: string, context: { kind?: string; path?: string } = {}) {
    super(message);
    this.name = 'ProtobufError';
    this.code = code;
    this.kind = context.kind;
    this.path = context.path;
  }
}
