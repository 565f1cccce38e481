/**
 * The differential corpus through REST and real workers, partial rows handed over as text (through
 * Redis, or spilled as JSON): every case returns what PostgreSQL returns directly.
 */
import { differentialThroughRest } from './__tests__/differential-through-rest';

differentialThroughRest({ label: 'rest_differential' }, 'unnest(');
