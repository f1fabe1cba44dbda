/** The 10 DESED / DCASE Task 4 target classes, in the canonical order of the DESED generator. */
export const DESED_CLASSES = [
  'Alarm_bell_ringing',
  'Blender',
  'Cat',
  'Dishes',
  'Dog',
  'Electric_shaver_toothbrush',
  'Frying',
  'Running_water',
  'Speech',
  'Vacuum_cleaner',
] as const;

export type DesedClass = (typeof DESED_CLASSES)[number];
