#include "XmlLoading.h"
#include "openmm/OpenMMException.h"
#include <algorithm>
#include <cctype>

using namespace std;
using OpenMM::OpenMMException;

namespace {

bool nameChar(char c) {
    return isalnum((unsigned char) c) || c == '_' || c == ':' || c == '-' || c == '.';
}

// Position of the root element's '<', skipping a byte-order mark, whitespace, <?...?>, <!--...--> and <!DOCTYPE>.
size_t findRoot(const string& xml) {
    size_t i = 0;
    if (xml.compare(0, 3, "\xEF\xBB\xBF") == 0)
        i = 3;
    while (true) {
        while (i < xml.size() && isspace((unsigned char) xml[i]))
            i++;
        if (xml.compare(i, 2, "<?") == 0) {
            size_t end = xml.find("?>", i);
            if (end == string::npos)
                return string::npos;
            i = end+2;
        }
        else if (xml.compare(i, 4, "<!--") == 0) {
            size_t end = xml.find("-->", i);
            if (end == string::npos)
                return string::npos;
            i = end+3;
        }
        else if (xml.compare(i, 2, "<!") == 0) {
            size_t end = xml.find('>', i);
            if (end == string::npos)
                return string::npos;
            i = end+1;
        }
        else
            return (i < xml.size() && xml[i] == '<' && i+1 < xml.size() && nameChar(xml[i+1])) ? i : string::npos;
    }
}

string describe(const string& name, const string& type) {
    if (name == "System" || type == "System")
        return "an OpenMM System";
    if (name == "Integrator")
        return "a serialized OpenMM integrator ("+(type.empty() ? name : type)+")";
    if (name == "Force")
        return "a serialized OpenMM force ("+(type.empty() ? name : type)+")";
    if (name == "State")
        return "an OpenMM State";
    if (type.empty())
        return "an XML document with root <"+name+">";
    return "a serialized "+type+" (root <"+name+">)";
}

} // namespace

bool EffPot::readXmlRoot(const string& xml, string& name, string& type) {
    size_t start = findRoot(xml);
    if (start == string::npos)
        return false;
    size_t i = start+1;
    while (i < xml.size() && nameChar(xml[i]))
        i++;
    name = xml.substr(start+1, i-start-1);
    type.clear();
    // Attributes up to the end of the start tag.
    size_t close = xml.find('>', i);
    string tag = xml.substr(i, close == string::npos ? string::npos : close-i);
    size_t p = 0;
    while (p < tag.size()) {
        while (p < tag.size() && isspace((unsigned char) tag[p]))
            p++;
        size_t n = p;
        while (p < tag.size() && nameChar(tag[p]))
            p++;
        string attribute = tag.substr(n, p-n);
        while (p < tag.size() && isspace((unsigned char) tag[p]))
            p++;
        if (attribute.empty() || p >= tag.size() || tag[p] != '=')
            break;
        p++;
        while (p < tag.size() && isspace((unsigned char) tag[p]))
            p++;
        if (p >= tag.size() || (tag[p] != '"' && tag[p] != '\''))
            break;
        char quote = tag[p++];
        size_t end = tag.find(quote, p);
        if (end == string::npos)
            break;
        if (attribute == "type") {
            type = tag.substr(p, end-p);
            break;
        }
        p = end+1;
    }
    return true;
}

int EffPot::xmlNestingDepth(const string& xml) {
    // Elements only: a '<' opens a tag unless it starts a closing tag, a comment, a declaration or a processing
    // instruction; a tag that ends with "/>" closes itself. Attribute values may hold '>' (not '<'), so the tag's
    // end is searched outside quotes.
    int depth = 0, deepest = 0;
    size_t p = 0, n = xml.size();
    while ((p = xml.find('<', p)) != string::npos) {
        if (p+1 >= n)
            break;
        char next = xml[p+1];
        if (next == '!' || next == '?') {
            size_t end = xml.find('>', p);
            if (end == string::npos)
                break;
            p = end+1;
            continue;
        }
        size_t q = p+1;
        char quote = 0;
        while (q < n && (quote != 0 || xml[q] != '>')) {
            if (quote == 0 && (xml[q] == '"' || xml[q] == '\''))
                quote = xml[q];
            else if (quote != 0 && xml[q] == quote)
                quote = 0;
            q++;
        }
        if (next == '/')
            depth--;
        else if (q < n && xml[q-1] != '/')
            deepest = max(deepest, ++depth);
        p = q+1;
    }
    return deepest;
}

void EffPot::checkSerializedType(const string& xml, const string& rootName, const string& type, const string& caller,
                                 const string& source) {
    string what = (type == "System" ? "an OpenMM System" : "an effpot "+type);
    string hint = (type == "EffectivePotential" ? "give an effective_potential.xml written by effpot learn or EffectivePotential.save()"
                                                : "give the XML that XmlSerializer.serialize writes for a "+type);
    bool blank = true;
    for (char c : xml)
        blank = blank && isspace((unsigned char) c);
    if (blank)
        throw OpenMMException(caller+": "+source+" is empty, not "+what+": "+hint);
    string name, found;
    if (!readXmlRoot(xml, name, found)) {
        string start = xml.substr(0, 40);
        for (char& c : start)
            if (!isprint((unsigned char) c))
                c = '?';
        throw OpenMMException(caller+": "+source+" is not XML (it starts with \""+start+"\"), not "+what+": "+hint);
    }
    string closing = "</"+rootName+">";
    string truncated = caller+": "+source+" is truncated (it does not end with "+closing+"): the file was cut off while "
                       "being written or copied; write it again";
    if (xml.find('>', findRoot(xml)) == string::npos)  // cut inside the root's start tag
        throw OpenMMException(truncated);
    if (name != rootName || found != type) {
        string advice = hint;
        if (type == "EffectivePotential" && found == "CustomCompoundBondForce")
            advice = "this is the force effpot writes to potential.xml; load effective_potential.xml (next to it) instead";
        else if (name == "System" || found == "System")
            advice = "openmm.XmlSerializer.deserialize reads it; "+hint;
        throw OpenMMException(caller+": "+source+" is "+describe(name, found)+", not "+what+": "+advice);
    }
    // A truncated file: the document must end with the root's closing tag (or the root closes itself).
    size_t end = xml.find_last_not_of(" \t\r\n");
    bool whole = (end != string::npos && end+1 >= closing.size() && xml.compare(end+1-closing.size(), closing.size(), closing) == 0);
    if (!whole) {
        size_t startEnd = xml.find('>', findRoot(xml));
        whole = (startEnd != string::npos && startEnd == end && xml[startEnd-1] == '/');
    }
    if (!whole)
        throw OpenMMException(truncated);
    // OpenMM's XML reader recurses once per element level and overflows the stack (a segmentation fault) at about
    // 50 000; effpot's own files nest a few levels.
    int depth = xmlNestingDepth(xml);
    if (depth > MaxXmlDepth)
        throw OpenMMException(caller+": "+source+" nests elements "+to_string(depth)+" levels deep (at most "+
                              to_string(MaxXmlDepth)+" are read): the file is damaged; write it again");
}
