package regsheet

// ImportSlots lets tests hold the import slots.
var ImportSlots = importSlots
