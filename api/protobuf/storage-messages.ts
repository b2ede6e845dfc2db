/**
 * Encoding tables for the kinds the insight tour shows in kube-apiserver's
 * storage form: field numbers from k8s.io/api/core/v1 and
 * k8s.io/apimachinery/pkg/apis/meta/v1 generated.proto (Kubernetes 1.26), and
 * which Go fields are pointers (written only when set) or plain values
 * (always written, zero or not, as Go's generated marshalers do).
 */

export type EncodedScalar = 'string' | 'bytes' | 'int32' | 'int64' | 'bool' | 'time' | 'fieldsV1';

export interface EncodedField {
  readonly number: number;
  /** The JSON name. */
  readonly name: string;
  /** A scalar, or the name of a message in storageMessages. */
  readonly type: EncodedScalar | string;
  /** A Go pointer (or omitted-when-nil) field: written only when present in the JSON. */
  readonly isPointer?: boolean;
  readonly isRepeated?: boolean;
  /** map<string, type>, written as entries sorted by key. */
  readonly isMap?: boolean;
}

const plain = (number: number, name: string, type: string): EncodedField => ({ number, name, type });
const pointer = (number: number, name: string, type: string): EncodedField => ({ number, name, type, isPointer: true });
const repeated = (number: number, name: string, type: string): EncodedField => ({ number, name, type, isRepeated: true });
const mapOf = (number: number, name: string, type: string): EncodedField => ({ number, name, type, isMap: true });

/** Messages by name; fields in field-number order, the order they are written in. */
export const storageMessages: Readonly<Record<string, readonly EncodedField[]>> = {
  ObjectMeta: [
    plain(1, 'name', 'string'), plain(2, 'generateName', 'string'), plain(3, 'namespace', 'string'), plain(4, 'selfLink', 'string'),
    plain(5, 'uid', 'string'), plain(6, 'resourceVersion', 'string'), plain(7, 'generation', 'int64'), plain(8, 'creationTimestamp', 'time'),
    pointer(9, 'deletionTimestamp', 'time'), pointer(10, 'deletionGracePeriodSeconds', 'int64'), mapOf(11, 'labels', 'string'), mapOf(12, 'annotations', 'string'),
    repeated(13, 'ownerReferences', 'OwnerReference'), repeated(14, 'finalizers', 'string'), repeated(17, 'managedFields', 'ManagedFieldsEntry'),
  ],
  OwnerReference: [plain(1, 'kind', 'string'), plain(3, 'name', 'string'), plain(4, 'uid', 'string'), plain(5, 'apiVersion', 'string'), pointer(6, 'controller', 'bool'), pointer(7, 'blockOwnerDeletion', 'bool')],
  ManagedFieldsEntry: [
    plain(1, 'manager', 'string'), plain(2, 'operation', 'string'), plain(3, 'apiVersion', 'string'), pointer(4, 'time', 'time'),
    plain(6, 'fieldsType', 'string'), pointer(7, 'fieldsV1', 'fieldsV1'), plain(8, 'subresource', 'string'),
  ],
  Namespace: [plain(1, 'metadata', 'ObjectMeta'), plain(2, 'spec', 'NamespaceSpec'), plain(3, 'status', 'NamespaceStatus')],
  NamespaceSpec: [repeated(1, 'finalizers', 'string')],
  NamespaceStatus: [plain(1, 'phase', 'string'), repeated(2, 'conditions', 'NamespaceCondition')],
  NamespaceCondition: [plain(1, 'type', 'string'), plain(2, 'status', 'string'), plain(4, 'lastTransitionTime', 'time'), plain(5, 'reason', 'string'), plain(6, 'message', 'string')],
  ConfigMap: [plain(1, 'metadata', 'ObjectMeta'), mapOf(2, 'data', 'string'), mapOf(3, 'binaryData', 'bytes'), pointer(4, 'immutable', 'bool')],
};

/** The root message of each kind the encoder writes, by apiVersion/kind. */
export const storageKinds: Readonly<Record<string, string>> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
};
