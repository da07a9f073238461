// The device models the bus can create by name (BootOptions.devices, k.devices.add()).

import type { Kernel } from "../../kernel";
import { EduModel } from "./edu";
import { FbModel } from "./fb";
import { IsaModel } from "./isa";
import type { DeviceModel } from "./model";
import { NicModel } from "./nic";

export const MODELS: Readonly<Record<string, (k: Kernel) => DeviceModel>> = Object.freeze({
  edu: (k: Kernel) => new EduModel(k),
  nic: (k: Kernel) => new NicModel(k),
  fb: (k: Kernel) => new FbModel(k),
  isa: (k: Kernel) => new IsaModel(k),
});

export { DeviceModel, EduModel, FbModel, IsaModel, NicModel };
