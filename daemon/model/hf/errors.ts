// Every problem with a Hugging Face folder is one error type whose message starts with the
// file and then the config field or tensor at fault: `<file>: field 'x': ...`,
// `<file>: tensor 'y': ...`. It is an RlvrError (ConfigInvalid), so the server can pass it on.
import { ErrorCodes } from '../../../shared/protocol.js';
import { RlvrError } from '../../../shared/errors.js';

export interface HfErrorPlace {
  /** A config.json field (dotted for nested ones: `rope_scaling.rope_type`). */
  field?: string;
  /** A tensor name as the checkpoint spells it. */
  tensor?: string;
}

export class HfFormatError extends RlvrError {
  readonly file: string;
  readonly field?: string;
  readonly tensor?: string;

  constructor(file: string, place: HfErrorPlace, reason: string) {
    const where = place.field !== undefined ? ` field '${place.field}':` : place.tensor !== undefined ? ` tensor '${place.tensor}':` : '';
    super(ErrorCodes.ConfigInvalid, `${file}:${where} ${reason}`, { file, field: place.field ?? place.tensor });
    this.name = 'HfFormatError';
    this.file = file;
    this.field = place.field;
    this.tensor = place.tensor;
  }
}
