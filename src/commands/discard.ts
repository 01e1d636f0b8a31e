import { decisionCommand } from "./_decision";

export default decisionCommand("discard");
