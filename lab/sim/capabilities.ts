// Every capability's device side, one line each: what a simulated device can do.

import { builtinServices } from './builtinServices';
import { filesCapability } from './filesCapability';
import { screenCapability } from './screen';
import { SimCapability } from './simService';

export const SIM_CAPABILITIES: readonly SimCapability[] = [builtinServices, filesCapability, screenCapability];
